/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a short lock across every gateway, so one of them does a job
 * that must run once (refreshing a session's tokens) while the others go
 * on without it. The lock expires by itself, so a crashed holder never
 * blocks for long.
 */
#ifndef KG_SESS_LOCK_H
#define KG_SESS_LOCK_H

#include "sessions/store.h"

/* Takes the lock name for ttl_ms as holder (a random value of the
 * caller's): *got tells whether this caller has it. KG_EBACKEND when
 * Redis is down. */
kg_rc kg_sess_lock_try(kg_sess_store *s, apr_pool_t *pool, const char *name,
		       long long ttl_ms, const char *holder, bool *got,
		       kg_err *err);

/* Releases the lock if holder still holds it (it may have expired and
 * been taken by another gateway meanwhile). */
kg_rc kg_sess_lock_release(kg_sess_store *s, apr_pool_t *pool, const char *name,
			   const char *holder, kg_err *err);

#endif
