/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the stable user id. Every provider identity (ALIAS, SUBJECT:
 * the SAML NameID or the OIDC sub, or the BROKER_ID a mapper made) gets
 * a UUID at its first login, atomically in Redis, so every replica
 * agrees and a restart with persistence keeps it. The id never changes
 * and is never reused; it is the app token's idp_id and sub.
 *
 * Keys (P is KeygateRedisPrefix), none with a TTL (docs/sessions.md):
 *   P id:i:IHASH  STRING the id of an identity; IHASH = hex SHA-256 of
 *                 "ALIAS\0SUBJECT"
 *   P id:e:EHASH  STRING the id that holds an email; EHASH = hex SHA-256
 *                 of the lower-cased email
 *   P id:u:ID     HASH   the user: id, alias, username, email (of the
 *                 last login), created_ms, last_login_ms, identities
 *                 (how many identities share the id)
 *   P ids         ZSET   every id, scored by created_ms
 * Other parts may add fields to P id:u:ID (deactivation); they keep the
 * ones above.
 */
#ifndef KG_SESS_IDS_H
#define KG_SESS_IDS_H

#include "gateway/base/user.h"
#include "sessions/store.h"

typedef enum {
	KG_SESS_ID_EXISTING = 0, /* the identity had its id */
	KG_SESS_ID_CREATED,	 /* a first login: a new id */
	KG_SESS_ID_LINKED,	 /* a first login whose email another id
				    holds, linked to it (link mode) */
	KG_SESS_ID_EMAIL_HELD,	 /* an identity with an id whose email
				    another id holds now (link mode: it
				    keeps its id; the email stays there) */
	KG_SESS_ID_CONFLICT	 /* the email is another id's (deny mode):
				    nothing was written */
} kg_sess_id_status;

typedef struct {
	const char *id;	   /* the identity's id; NULL on conflict */
	const char *owner; /* CONFLICT, EMAIL_HELD, LINKED: the id
			      that holds the email */
	kg_sess_id_status status;
} kg_sess_id_result;

/* Gives the identity (alias, subject) its id, creating it at the first
 * login, and records user's username and email on it. An email another
 * id holds is a conflict unless link is true: then a first login links
 * to that id (Keycloak's "link to the existing account"), and an
 * identity that has an id keeps it. KG_EBACKEND when Redis is down;
 * nothing is half-written (one script). */
kg_rc kg_sess_id_assign(kg_sess_store *s, apr_pool_t *pool, const char *alias,
			const char *subject, const kg_user *user, bool link,
			long long now_ms, kg_sess_id_result *out, kg_err *err);

/* A user as P id:u:ID holds it. */
typedef struct {
	const char *id, *alias, *username, *email;
	long long created_ms, last_login_ms;
	long long identities;
	apr_table_t *fields; /* every field, with those other parts add */
} kg_sess_id_user;

/* Every user with an id, oldest first (kg_sess_id_user). */
kg_rc kg_sess_id_list(kg_sess_store *s, apr_pool_t *pool,
		      apr_array_header_t **out, kg_err *err);

/* The user whose id, or else whose username (lower-cased), is who.
 * KG_ENOTFOUND when none is. */
kg_rc kg_sess_id_show(kg_sess_store *s, apr_pool_t *pool, const char *who,
		      kg_sess_id_user **out, kg_err *err);

#endif
