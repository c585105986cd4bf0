/* sim_control: the services a feeder uses to drive a simulation and to know
 * when it is over: sim.start (the scenario and seed every worker draws from),
 * sim.scenario (workers fetch it), clock.advance (the end-of-feed advance of
 * the virtual clock), sim.status (tickets settled), and mmi.service (8/MMI). */
#ifndef HOTLINE_SIM_CONTROL_H
#define HOTLINE_SIM_CONTROL_H
#include "intake.h"
#include "pipeline.h"
#include "router.h"
#include "store.h"

typedef struct sim_control sim_control_t;

sim_control_t *sim_control_new(router_t *router, store_t *store, pipeline_t *pipeline, intake_t *intake);
void sim_control_destroy(sim_control_t **p);
/* Restores the active scenario and virtual clock from the store. */
int sim_control_load(sim_control_t *self);
void sim_control_register(sim_control_t *self);
/* From now on sim.start and clock.advance are refused with why (a live
 * broker with people in the loop has no virtual clock to drive). */
void sim_control_refuse(sim_control_t *self, const char *why);

#endif
