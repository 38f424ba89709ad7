/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session reaper: an audit event for every session whose
 * idle or maximum time ran out with no request to notice it.
 *
 * Such a session ends when its Redis key's TTL does; nothing runs then.
 * A reaper looks at the realm deadline index (P realm:exp, ids scored by
 * deadline ms) once per tick, in every gateway process:
 *  - it claims each id whose deadline passed and whose key is gone with
 *    one script (still due, key gone: removed from the realm indexes, 1),
 *    so across every process of every replica exactly one claim, and one
 *    AUDIT line (KG-0305, reason=idle-expired|max-expired), per session;
 *  - it reads ahead: the records of the sessions due within the lead
 *    time are read (GET, opened with the gateway's keys) while they still
 *    exist, and their user, provider and cause (idle or max) kept in a
 *    small table until their claim. A session touched meanwhile leaves
 *    the window and the table. A session the reaper never read (it
 *    started after) is logged with target=unknown reason=expired.
 * It adds no command to session create, touch or load.
 */
#ifndef KG_SESS_REAP_H
#define KG_SESS_REAP_H

#include "sessions/store.h"

typedef struct kg_sess_reaper kg_sess_reaper;

/* Makes a reaper over store s that reads lead_ms ahead, in pool (which
 * owns it and its table). One thread uses it. */
kg_rc kg_sess_reaper_make(apr_pool_t *pool, kg_sess_store *s, long long lead_ms,
			  kg_sess_reaper **out, kg_err *err);

/* One tick at now_ms: claims and logs what is due (at most a batch),
 * then reads ahead. *claimed (may be NULL) gets how many this process
 * claimed. KG_EBACKEND when Redis could not be read or written (the
 * table is kept; the next tick goes on). Scratch memory in pool. */
kg_rc kg_sess_reaper_tick(kg_sess_reaper *r, apr_pool_t *pool, long long now_ms,
			  int *claimed, kg_err *err);

#endif
