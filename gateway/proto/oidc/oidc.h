/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the OpenID Connect relying party (liboauth2 is used only in
 * gateway/proto/oidc*.c and jwt*.c; no liboauth2, cjose or jansson type
 * appears in this header).
 *
 * One kg_oidc per provider, made once per process at startup and shared
 * by its threads: it caches the discovery document and the JWKS (refreshed
 * on an unknown kid, rate-limited). Every call that talks to the provider
 * fails closed: an unreachable provider is KG_EBACKEND, a bad token or
 * response KG_EAUTH with the reason in err (never the token itself).
 */
#ifndef KG_PROTO_OIDC_OIDC_H
#define KG_PROTO_OIDC_OIDC_H

#include "conf/oidc.h"
#include "gateway/base/err.h"
#include "gateway/base/json.h"
#include "gateway/base/log.h"

#include <apr_pools.h>

typedef struct kg_oidc kg_oidc;

/* Prepares the provider of conf (which must outlive pool); discovery is
 * fetched lazily on first use and refreshed as conf says. */
kg_rc kg_oidc_open(apr_pool_t *pool, const kg_conf_oidc *conf,
		   const kg_log *log, kg_oidc **out, kg_err *err);

/* What a login in progress must remember until the callback: the
 * gateway keeps it sealed in a short-lived cookie. */
typedef struct {
	const char *state;	   /* random, 256 bits, base64url */
	const char *nonce;	   /* random, 256 bits, base64url */
	const char *code_verifier; /* PKCE, S256 */
	const char *return_to;	   /* the local path to go back to */
	long long created_ms;
} kg_oidc_pending;

/* Starts a login: fills *pending with fresh random values (return_to is
 * copied) and sets *url to the provider's authorization endpoint with
 * response_type=code, client_id, redirect_uri, scope, state, nonce,
 * code_challenge (S256); with fresh_auth also prompt=login, so the
 * provider authenticates the person again (no silent SSO). */
kg_rc kg_oidc_login_url(kg_oidc *o, apr_pool_t *pool, const char *redirect_uri,
			const char *return_to, bool fresh_auth,
			long long now_ms, kg_oidc_pending *pending,
			const char **url, kg_err *err);

/* The result of a code redemption or a refresh. */
typedef struct {
	kg_json *claims; /* verified ID-token claims (+ userinfo) */
	const char *id_token;
	const char *access_token;
	const char *refresh_token;   /* NULL when none was issued */
	long long access_expires_ms; /* 0 when unknown */
	const char *sid;	     /* the ID token's sid, or NULL */
	const char *sub;
} kg_oidc_tokens;

/* Parses the token endpoint's answer (HTTP status, body[0..len)): what
 * a redemption or a refresh does with the bytes before any ID token check,
 * with no I/O and no keys. On KG_OK out's id_token (NULL when none),
 * access_token, refresh_token (NULL when none) and access_expires_ms
 * (now_ms plus expires_in, 0 when that is absent or not 0..366 days) are
 * set, in pool; claims, sub and sid are NULL: the ID token is not checked
 * here. Errors: KG_EBACKEND "oidc_token: ..." for HTTP 5xx; KG_EAUTH
 * "oidc_token: ..." when the answer is not a JSON object, names an error,
 * is not HTTP 200 or holds no Bearer access_token. */
kg_rc kg_oidc_token_parse(apr_pool_t *pool, int status, const char *body,
			  size_t len, long long now_ms, kg_oidc_tokens *out,
			  kg_err *err);

/* Finishes a login: state must equal pending->state (the caller has
 * checked the callback's state against the cookie; this checks again in
 * constant time), the code is redeemed with the PKCE verifier and the
 * configured client authentication, and the ID token is verified: its
 * alg on the allow-list, its signature by the provider's key (by kid),
 * iss, aud, azp, exp, iat, nbf with the configured skew, and its nonce
 * against pending->nonce. The caller then replay-checks the nonce. */
kg_rc kg_oidc_redeem(kg_oidc *o, apr_pool_t *pool,
		     const kg_oidc_pending *pending, const char *state,
		     const char *code, const char *redirect_uri,
		     long long now_ms, kg_oidc_tokens *out, kg_err *err);

/* Refreshes with refresh_token; the new ID token, when one comes, is
 * verified as at login (without a nonce). Without a new ID token,
 * out->claims, sub and sid are NULL; when the provider does not rotate
 * the refresh token, out->refresh_token is a copy of refresh_token. */
kg_rc kg_oidc_refresh(kg_oidc *o, apr_pool_t *pool, const char *refresh_token,
		      long long now_ms, kg_oidc_tokens *out, kg_err *err);

/* The provider's end_session_endpoint with id_token_hint and
 * post_logout_redirect_uri, or NULL when the provider has none. */
const char *kg_oidc_logout_url(kg_oidc *o, apr_pool_t *pool,
			       const char *id_token_hint,
			       const char *post_logout_redirect_uri);

/* Validates a back-channel logout token (OpenID Connect Back-Channel
 * Logout 1.0 §2.6: signature, iss, aud, iat, jti, events claim, a sid or
 * sub, no nonce) and returns its sid and sub (either may be NULL, not
 * both). The caller replay-checks the jti. */
kg_rc kg_oidc_logout_token_verify(kg_oidc *o, apr_pool_t *pool,
				  const char *token, long long now_ms,
				  const char **sid, const char **sub,
				  const char **jti, kg_err *err);

/* Returns BASE64URL(SHA-256(verifier)), the S256 code_challenge. */
const char *kg_oidc_pkce_challenge(apr_pool_t *pool, const char *verifier);

/* KG_OK when the provider's discovery document is at hand (fetched
 * once if need be, then cached as for logins), so a browser can be sent
 * there; else the reason in err. */
kg_rc kg_oidc_ready(kg_oidc *o, apr_pool_t *pool, long long now_ms,
		    kg_err *err);

#endif
