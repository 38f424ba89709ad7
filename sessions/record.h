/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session record and its at-rest form.
 *
 * A record holds the user as the mappers made it, where it came from, its
 * times, and protocol state that this layer keeps opaque. Its plaintext is
 * a compact binary form (version 4, record.c), read back with bounds checks
 * on every byte; version 1, JSON, is still read. At rest it is sealed
 * with AES-256-GCM bound to its Redis id (sessions/seal.h). Everything a
 * record points to lives in the pool it was made or decoded in.
 */
#ifndef KG_SESS_RECORD_H
#define KG_SESS_RECORD_H

#include "conf/sessions.h"
#include "gateway/base/err.h"
#include "gateway/base/str.h"
#include "gateway/base/user.h"
#include "sessions/cookie.h"
#include "sessions/keys.h"

#include <apr_pools.h>

/* Protocol state: opaque strings that gateway/proto writes and reads;
 * NULL when absent. */
typedef struct {
	const char *oidc_id_token;
	const char *oidc_access_token;
	const char *oidc_refresh_token;
	const char *oidc_access_expires; /* ms since the epoch, decimal */
	const char *saml_name_id;
	const char *saml_name_id_format;
	const char *saml_session_index;
	const char *saml_response;   /* the raw signed Response, for STS */
	const char *sts_credentials; /* opaque to sessions/ */
} kg_sess_state;

typedef struct {
	char id[KG_SESS_ID_LEN + 1]; /* the Redis id; set by the store, not
					encoded */
	kg_user *user;
	const char *idp;	  /* identity provider alias */
	const char *protocol;	  /* "saml" or "oidc" */
	kg_flow flow;		  /* the flow that created the session */
	long long auth_ms;	  /* login time */
	long long last_access_ms; /* last touch */
	long long idle_ms;	  /* the idle window it was made with; 0 off */
	long long expires_ms;	  /* absolute expiry */
	kg_sess_state state;
	const char *client_ip;	/* the client's address at login; NULL in
				   records written before version 4 */
	const char *user_agent; /* its User-Agent at login (at most
				   KG_SESS_USER_AGENT_MAX bytes); NULL when
				   none was sent or before version 4 */
} kg_sess_record;

/* The most of a User-Agent a record keeps. */
#define KG_SESS_USER_AGENT_MAX 256

/* Returns an empty record with a fresh empty user, in pool. */
kg_sess_record *kg_sess_record_make(apr_pool_t *pool);

/* Records the client of the login that makes rec: its address and its
 * User-Agent (either may be NULL), the latter cut to
 * KG_SESS_USER_AGENT_MAX bytes on a character boundary; copies in pool. */
void kg_sess_record_set_client(kg_sess_record *rec, apr_pool_t *pool,
			       const char *client_ip, const char *user_agent);

/* Returns the moment rec ends unless touched: the earlier of its idle
 * deadline and its absolute expiry. */
long long kg_sess_record_deadline(const kg_sess_record *rec);

/* Appends rec's plaintext JSON to b. */
void kg_sess_record_encode(kg_buf *b, const kg_sess_record *rec);

/* Appends rec's plaintext in the newest compact form (version 4) to b:
 * what kg_sess_record_seal writes. */
void kg_sess_record_pack(kg_buf *b, const kg_sess_record *rec);

/* The same in compact version format (3 or 4: KeygateSessionRecordFormat);
 * version 3 leaves out the client address and User-Agent. */
void kg_sess_record_pack_as(kg_buf *b, const kg_sess_record *rec, int format);

/* Parses the plaintext text[0..len), compact (version 2) or JSON
 * (version 1), into a new record in pool (id left empty). Anything
 * malformed, truncated, of an unknown version, or missing a required
 * member is KG_EINVAL with the reason; *out is then untouched. */
kg_rc kg_sess_record_decode(apr_pool_t *pool, const char *text, size_t len,
			    kg_sess_record **out, kg_err *err);

/* Encodes rec and seals it under keys->current bound to rec->id. A
 * sealed form longer than max_bytes is KG_EINVAL. *out lives in pool. */
kg_rc kg_sess_record_seal(apr_pool_t *pool, const kg_sess_keys *keys,
			  const kg_sess_record *rec, size_t max_bytes,
			  unsigned char **out, size_t *out_len, kg_err *err);

/* Opens a sealed record stored under id, with the current key and then
 * the previous one, and decodes it. Fails with KG_EAUTH (no key opens
 * it) or KG_EINVAL (it opens but does not decode); the caller treats
 * either as no session. *out lives in pool and has its id set. */
kg_rc kg_sess_record_unseal(apr_pool_t *pool, const kg_sess_keys *keys,
			    const char *id, const unsigned char *sealed,
			    size_t len, kg_sess_record **out, kg_err *err);

/* kg_sess_record_seal_ctx writing compact version format (3 or 4), for
 * a rolling upgrade (KeygateSessionRecordFormat). */
kg_rc kg_sess_record_seal_as(apr_pool_t *pool, const kg_sess_keyctx *kc,
			     const kg_sess_record *rec, size_t max_bytes,
			     int format, unsigned char **out, size_t *out_len,
			     kg_err *err);

/* kg_sess_record_seal and kg_sess_record_unseal with one thread's keyed
 * contexts (keys.h): the same results, without keying OpenSSL per
 * call. */
kg_rc kg_sess_record_seal_ctx(apr_pool_t *pool, const kg_sess_keyctx *kc,
			      const kg_sess_record *rec, size_t max_bytes,
			      unsigned char **out, size_t *out_len,
			      kg_err *err);
kg_rc kg_sess_record_unseal_ctx(apr_pool_t *pool, const kg_sess_keyctx *kc,
				const char *id, const unsigned char *sealed,
				size_t len, kg_sess_record **out, kg_err *err);

#endif
