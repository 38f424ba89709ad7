/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the stored users: what the mappers made of a user at their
 * last login, so the next login's sync modes (IMPORT, LEGACY, FORCE)
 * have something to update, as Keycloak's user store does. And sealed
 * blobs for the gateway's short-lived cookies (login state).
 *
 * A stored user is sealed like a session record, under the key
 * P user:HASH, HASH = hex HMAC-SHA256 of "ALIAS\0BROKER_ID" with the
 * cookie key, so a Redis dump names no one. It expires
 * KG_SESS_USER_TTL_DAYS after the user's last login.
 */
#ifndef KG_SESS_USERS_H
#define KG_SESS_USERS_H

#include "gateway/base/user.h"
#include "sessions/store.h"

#define KG_SESS_USER_TTL_DAYS 400

/* Loads the stored user of (alias, broker_id). KG_ENOTFOUND when there is
 * none (a first login) or it no longer opens; KG_EBACKEND when Redis is
 * down. *out lives in pool. */
kg_rc kg_sess_user_load(kg_sess_store *s, apr_pool_t *pool, const char *alias,
			const char *broker_id, kg_user **out, kg_err *err);

/* Stores user as the one of (alias, broker_id). */
kg_rc kg_sess_user_save(kg_sess_store *s, apr_pool_t *pool, const char *alias,
			const char *broker_id, const kg_user *user,
			kg_err *err);

/* Seals plain[0..len) with the current record key, bound to aad, for a
 * cookie the gateway sets itself; *out and *out_len live in pool. */
kg_rc kg_sess_blob_seal(kg_sess_store *s, apr_pool_t *pool, const char *aad,
			const void *plain, size_t len, unsigned char **out,
			size_t *out_len, kg_err *err);

/* Opens a blob sealed by kg_sess_blob_seal with the current or the
 * previous key. KG_EAUTH when it does not open. */
kg_rc kg_sess_blob_open(kg_sess_store *s, apr_pool_t *pool, const char *aad,
			const unsigned char *sealed, size_t len, char **plain,
			size_t *plain_len, kg_err *err);

/* Keeps value under P NAME, sealed (bound to its key), until
 * expires_at_ms, unless the name is already taken: *stored tells. */
kg_rc kg_sess_name_set(kg_sess_store *s, apr_pool_t *pool, const char *name,
		       const char *value, long long expires_at_ms, bool *stored,
		       kg_err *err);

/* Reads what kg_sess_name_set kept. KG_ENOTFOUND when there is none (or
 * it does not open); *value lives in pool. */
kg_rc kg_sess_name_get(kg_sess_store *s, apr_pool_t *pool, const char *name,
		       const char **value, kg_err *err);

#endif
