/* sim_text: the simulator's Chinese text templates (schemas/scenarios/texts-*.tsv).
 * Loads the template file named by a scenario's [scenario] texts key and
 * fills templates with placeholders ({street}, {place}, {n}, ...) to write
 * varied ticket texts and knowledge-base answers. Used by sim_gen only. */
#ifndef HOTLINE_SIM_TEXT_H
#define HOTLINE_SIM_TEXT_H
#include <stdbool.h>
#include <stddef.h>
#include "rng.h"

#define SIM_TEXT_MAX 4096   /* bytes, the wire protocol's limit on ticket text */

typedef struct sim_texts sim_texts_t;

/* What a ticket text is written for. All strings are borrowed. */
typedef struct {
    const char *type;       /* ticket type code */
    bool urgent;
    const char *category;   /* category code */
    const char *street;     /* street code */
    const char *channel;    /* "phone", "web", "wechat", "app" */
    const char *date;       /* fills {date}, e.g. "3月5日" */
} sim_text_req_t;

/* Parsed and validated (every category has ask, issue, suggest and praise
 * templates, every lead and placeholder is defined); NULL with a message
 * naming the line in err. */
sim_texts_t *sim_texts_load_buf(const char *buf, size_t len, char *err, size_t errlen);
sim_texts_t *sim_texts_load_file(const char *path, char *err, size_t errlen);
void sim_texts_destroy(sim_texts_t **p);

/* A ticket text: lead + template (+ the caller's address when a non-consult
 * template names no street), valid UTF-8, at most SIM_TEXT_MAX bytes.
 * Returns a heap string the caller frees. */
char *sim_texts_ticket(const sim_texts_t *self, const sim_text_req_t *req, rng_t *r);
/* A knowledge-base answer dated date, naming street (a street code) if the
 * template asks for one. Heap string the caller frees. */
char *sim_texts_kb_answer(const sim_texts_t *self, const char *date, const char *street, rng_t *r);
/* k distinct keywords from pool kb.keyword, '|'-separated (fewer if the pool
 * is smaller). Heap string the caller frees. */
char *sim_texts_kb_keywords(const sim_texts_t *self, int k, rng_t *r);
/* Ticket templates held for category (all kinds). */
size_t sim_texts_count(const sim_texts_t *self, const char *category);

#endif
