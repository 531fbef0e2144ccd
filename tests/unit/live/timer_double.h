/* A test double of timer.h for the live/ modules' unit tests (the game rooms' tick): a
 * timer that records when it is armed for and fires only when the test says so, with no
 * event loop. timerd_new / timerd_free stand in for server.h's srv_timer_new /
 * srv_timer_free. */
#ifndef PONGD_TIMER_DOUBLE_H
#define PONGD_TIMER_DOUBLE_H

#include <stdbool.h>
#include "timer.h"

net_timer_t *timerd_new(void (*fn)(void *arg), void *arg);
/* Safe while armed; NULL is a no-op. */
void timerd_free(net_timer_t *t);
/* The absolute time it is armed for (0: not armed). A timer armed with 0 ("at the next
 * loop turn") reads back as 1. */
uint64_t timerd_armed_at(const net_timer_t *t);
bool timerd_armed(const net_timer_t *t);
/* How many times net_timer_at was called on it. */
int timerd_arm_count(const net_timer_t *t);
/* Runs its function now as the loop would: unarmed first, so the function may re-arm it
 * (or free it). Fires even if not armed: the test decides. */
void timerd_fire(net_timer_t *t);

#endif
