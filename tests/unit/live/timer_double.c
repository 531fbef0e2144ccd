/* timer_double — see timer_double.h. */
#include "timer_double.h"
#include "util.h"

#include <stdlib.h>

struct net_timer {
    void (*fn)(void *arg);
    void *arg;
    uint64_t at;        /* 0: not armed */
    int arms;
};

net_timer_t *timerd_new(void (*fn)(void *arg), void *arg) {
    net_timer_t *t = xcalloc(1, sizeof *t);
    t->fn = fn;
    t->arg = arg;
    return t;
}

void timerd_free(net_timer_t *t) { free(t); }

uint64_t timerd_armed_at(const net_timer_t *t) { return t->at; }
bool timerd_armed(const net_timer_t *t) { return t->at != 0; }
int timerd_arm_count(const net_timer_t *t) { return t->arms; }

void timerd_fire(net_timer_t *t) {
    t->at = 0;
    t->fn(t->arg);
}

void net_timer_at(net_timer_t *t, uint64_t at_us) {
    t->at = at_us ? at_us : 1;
    t->arms++;
}

void net_timer_cancel(net_timer_t *t) { t->at = 0; }
