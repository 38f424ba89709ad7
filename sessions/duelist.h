/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: lists of sessions that have work due at a time, shared by
 * every gateway through Redis, so that work that must happen without a
 * request (the background AWS refresh) finds its sessions.
 *
 * Key: P due:LIST, a ZSET of session ids scored by when the work is due
 * (ms since the epoch). It holds no secret and no name: ids are keyed
 * hashes. Entries of ended sessions leave when a gateway finds the
 * session gone at its due time (or at once, when it ends it).
 */
#ifndef KG_SESS_DUELIST_H
#define KG_SESS_DUELIST_H

#include "sessions/store.h"

/* Records that id's work in list is due at due_ms (<= 0: none, which
 * removes it). list is a fixed name such as "aws". */
kg_rc kg_sess_due_put(kg_sess_store *s, apr_pool_t *pool, const char *list,
		      const char *id, long long due_ms, kg_err *err);

/* The ids in list due at now_ms, earliest first, at most max of them:
 * *out is an array of const char * in pool. */
kg_rc kg_sess_due_get(kg_sess_store *s, apr_pool_t *pool, const char *list,
		      long long now_ms, int max, apr_array_header_t **out,
		      kg_err *err);

/* Makes session id due at once in every due list that holds it (the
 * admin ended it: whatever tracks it learns so within one look, e.g.
 * the background AWS refresh removes its credentials file). */
kg_rc kg_sess_due_now(kg_sess_store *s, apr_pool_t *pool, const char *id,
		      kg_err *err);

#endif
