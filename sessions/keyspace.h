/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Redis key names of sessions (the schema is in store.h and
 * docs/sessions.md). Names are built from fixed-shape parts only (hex
 * ids and hashes), so no user text ever becomes part of a key.
 */
#ifndef KG_SESS_KEYSPACE_H
#define KG_SESS_KEYSPACE_H

#include <apr_pools.h>
#include <stddef.h>

/* The four keys every session script takes, in pool. */
typedef struct {
	const char *session;   /* P s:ID */
	const char *user;      /* P u:UHASH */
	const char *legacy;    /* P realm: earlier builds' index (create: the
				* user's deactivation flag instead) */
	const char *realm_exp; /* P realm:exp */
} kg_sess_keys4;

/* Fills k for session id of username (NULL: an index no one has, for
 * calls that only touch the realm indexes). */
void kg_sess_keyspace_fill(apr_pool_t *pool, const char *prefix, const char *id,
			   const char *username, kg_sess_keys4 *k);

/* Returns "P u:UHASH:off", the flag that says username is deactivated
 * (keygate users deactivate); UHASH as in the user's index. */
const char *kg_sess_keyspace_user_off(apr_pool_t *pool, const char *prefix,
				      const char *username);

/* Returns "P s:ID", the key of session id alone (for a read). */
const char *kg_sess_keyspace_session(apr_pool_t *pool, const char *prefix,
				     const char *id);

/* Returns "P s:", the prefix the scripts put before an id. */
const char *kg_sess_keyspace_session_prefix(apr_pool_t *pool,
					    const char *prefix);

/* Returns "P r:" + hex SHA-256 of data[0..len): a replay-cache key. */
const char *kg_sess_keyspace_replay(apr_pool_t *pool, const char *prefix,
				    const void *data, size_t len);

/* Returns prefix + tag + hex SHA-256 of data[0..len): the key of a
 * permanent index entry (the stable user ids, sessions/ids.h). */
const char *kg_sess_keyspace_hashed(apr_pool_t *pool, const char *prefix,
				    const char *tag, const void *data,
				    size_t len);

#endif
