/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: revoked bearer tokens and deactivated accounts, shared by every
 * gateway through Redis.
 *
 * Keys (hashes are hex HMAC-SHA256 with the cookie key, so Redis holds no
 * token id or subject in clear):
 *   P rv:jti:HASH    a revoked token id, until the token would expire
 *   P rv:name:HASH   a revoked token name (every token carrying it)
 *   P rv:acct:HASH   a deactivated account (issuer + subject), no expiry
 *   P u:UHASH:off    a deactivated user (keygate users deactivate), no
 *                    expiry; UHASH as in the user's session index. The
 *                    session-create script reads it too, so no session
 *                    is made for that user by any flow.
 */
#ifndef KG_SESS_REVOCATION_H
#define KG_SESS_REVOCATION_H

#include "sessions/store.h"

/* What a bearer token is checked against. Any field may be NULL. */
typedef struct {
	const char *jti;
	const char *name; /* the token-name claim's value */
	const char *issuer;
	const char *sub;
	const char *username; /* the mapped user, when known */
} kg_sess_token_ids;

/* Sets *revoked when any id of t is revoked, its account deactivated or
 * its user deactivated.
 * One round trip. KG_EBACKEND when Redis is down (the caller refuses). */
kg_rc kg_sess_token_check(kg_sess_store *s, apr_pool_t *pool,
			  const kg_sess_token_ids *t, bool *revoked,
			  kg_err *err);

/* Revokes a token id until expires_at_s (its exp), or a token name for
 * ttl_s seconds (0: for ever). */
kg_rc kg_sess_revoke_jti(kg_sess_store *s, apr_pool_t *pool, const char *jti,
			 long long expires_at_s, kg_err *err);
kg_rc kg_sess_revoke_name(kg_sess_store *s, apr_pool_t *pool, const char *name,
			  long long ttl_s, kg_err *err);

/* Deactivates (or, with active true, reactivates) the account of
 * (issuer, sub). */
kg_rc kg_sess_account_set(kg_sess_store *s, apr_pool_t *pool,
			  const char *issuer, const char *sub, bool active,
			  kg_err *err);

/* Deactivates (or, with active true, reactivates) the user username:
 * sets or deletes P u:UHASH:off. Sessions are not touched here. */
kg_rc kg_sess_user_set_active(kg_sess_store *s, apr_pool_t *pool,
			      const char *username, bool active, kg_err *err);

/* Sets *active to whether username is not deactivated. One round trip;
 * KG_EBACKEND when Redis is down. */
kg_rc kg_sess_user_is_active(kg_sess_store *s, apr_pool_t *pool,
			     const char *username, bool *active, kg_err *err);

#endif
