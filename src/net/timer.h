/* A loop timer: what the game rooms' 60 Hz tick runs on. Created and freed by whoever owns
 * the event loop (server.h: srv_timer_new / srv_timer_free, root only); the layers above
 * get a net_timer_t * and only arm and cancel it. Implemented by the libwebsockets glue
 * (server.c: every timer on one CLOCK_MONOTONIC timerfd in the loop's poll set, so the loop
 * wakes at the deadline itself); unit tests use tests/unit/live/timer_double.c.
 *
 * Loop thread only. The function runs on the loop thread, never early, as soon as the
 * loop gets to it after the due time (tens of µs when idle; more when the loop is busy with
 * the events that arrived first). A periodic user re-arms it from its function
 * with an absolute deadline (previous deadline + period), so lateness never accumulates. */
#ifndef PONGD_NET_TIMER_H
#define PONGD_NET_TIMER_H

#include <stdint.h>

typedef struct net_timer net_timer_t;

/* Runs fn(arg) on the loop thread at or after the absolute CLOCK_MONOTONIC time at_us
 * (now_mono_us() clock); re-arming replaces the previous time; 0 or a past time: at the next
 * loop turn. Once per arming: the timer is unarmed when fn runs (fn may re-arm it, cancel it
 * or have it freed). */
void net_timer_at(net_timer_t *t, uint64_t at_us);
/* Disarms it (no-op if not armed). */
void net_timer_cancel(net_timer_t *t);

#endif
