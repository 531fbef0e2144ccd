/* ratemap — token buckets by key (a client address, an account name), for the event loop.
 * Bounded: at most LIM_RATEMAP_KEYS keys; past it the least recently used key is forgotten
 * (which can only make a limit more lenient for that key, never block anyone wrongly). */
#ifndef PONGD_RATEMAP_H
#define PONGD_RATEMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

typedef struct ratemap ratemap_t;

/* per_minute tokens a minute, at most burst saved up. */
ratemap_t *ratemap_create(double per_minute, double burst, size_t max_keys);
void ratemap_destroy(ratemap_t *m);

/* Takes a token for key; false when the key is over its rate. *retry_after_s (may be NULL)
 * gets the seconds until a token is available. Keys longer than LIM_RATEMAP_KEY_BYTES are
 * cut. */
bool ratemap_allow(ratemap_t *m, span_t key, uint64_t now_ms, int *retry_after_s);
/* Whether ratemap_allow would take a token for key now, without taking it (an unknown key:
 * true). Changes nothing. */
bool ratemap_peek(const ratemap_t *m, span_t key, uint64_t now_ms);
size_t ratemap_count(const ratemap_t *m);

#endif
