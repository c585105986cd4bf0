/* clock: CLOCK_MONOTONIC in the units callers want. */
#include "clock.h"
#include <time.h>

int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t clock_mono_us(void) { return clock_mono_ns() / 1000; }
int64_t clock_mono_ms(void) { return clock_mono_ns() / 1000000; }
