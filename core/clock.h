/* clock: the monotonic clock every loop measures its timeouts, heartbeats
 * and durations with (never the wall clock, which can jump). Ticket times are
 * another matter: they are virtual or wall-clock Unix seconds (pipeline). */
#ifndef HOTLINE_CLOCK_H
#define HOTLINE_CLOCK_H
#include <stdint.h>

int64_t clock_mono_ns(void);
int64_t clock_mono_us(void);
int64_t clock_mono_ms(void);

#endif
