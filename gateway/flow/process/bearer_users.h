/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: what a bearer token maps to and whether it is revoked,
 * remembered per token (private to gateway/), so a warm API call costs
 * one lookup: no JSON parse, no mapping, no Redis round trip.
 *
 * An entry is keyed by the token's SHA-256. It holds the mapped user (with
 * the mapper generation it was mapped with: a reloaded mapper file maps
 * afresh), made from the token's second use on and kept until the
 * token's exp or KeygateBearerCacheTime, whichever is first, and the
 * last revocation answer Redis gave for the token, reused for at most
 * KeygateRevocationCheckInterval. A token found revoked gets an entry
 * with the answer alone, so that repeating it costs neither a Redis round
 * trip nor a signature check while the answer lasts (answers are only
 * ever asked for verified tokens). The API-session limit is still checked
 * on every request by the caller. A kg_table of KeygateBearerCacheSize
 * entries; size 0 remembers nothing.
 */
#ifndef KG_FLOW_PROCESS_BEARER_USERS_H
#define KG_FLOW_PROCESS_BEARER_USERS_H

#include "gateway/base/user.h"

#include <apr_pools.h>
#include <stdbool.h>

typedef struct kg_bearer_users kg_bearer_users;

/* A mapped bearer token: strings in the pool they were copied into. */
typedef struct {
	unsigned char digest[32];      /* SHA-256 of the token */
	unsigned long long generation; /* the mapper generation's serial */
	kg_user *user;
	const char *issuer, *sub, *jti, *name; /* name: the token name claim */
	long long exp_s;
} kg_bearer_user;

/* Redis's last answer about a token: is it revoked (or its account
 * deactivated)? */
typedef struct {
	enum {
		KG_BEARER_UNASKED = 0, /* none, or too old to reuse */
		KG_BEARER_VALID,
		KG_BEARER_REVOKED
	} state;
	long long at_ms; /* when it was given */
} kg_bearer_answer;

/* A cache of slots entries in pool (freed with it), reusing answers for
 * answer_max_ms (0: never); slots 0 gives one that holds nothing. NULL
 * when out of memory. */
kg_bearer_users *kg_bearer_users_make(apr_pool_t *pool, size_t slots,
				      long long answer_max_ms);

/* Looks digest up once, at now_ms: sets *answer (UNASKED when none is
 * held young enough), and when the entry also holds a user mapped with
 * generation, copies it into pool as *out (its digest included) and
 * returns true. *out is left alone otherwise. */
bool kg_bearer_users_get(kg_bearer_users *c, apr_pool_t *pool,
			 const unsigned char digest[32],
			 unsigned long long generation, long long now_ms,
			 kg_bearer_user *out, kg_bearer_answer *answer);

/* Remembers b (deep-copied) until until_ms, with answer. */
void kg_bearer_users_put(kg_bearer_users *c, const kg_bearer_user *b,
			 long long until_ms, const kg_bearer_answer *answer);

/* Records a new answer for the token of digest: in its entry when there
 * is one, else (a revoked token) in an entry of its own. */
void kg_bearer_users_answer(kg_bearer_users *c, const unsigned char digest[32],
			    const kg_bearer_answer *answer);

#endif
