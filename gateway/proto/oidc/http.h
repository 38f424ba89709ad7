/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: HTTP calls to an OpenID provider (discovery, JWKS, token and
 * userinfo endpoints), over liboauth2 with TLS verification and a time
 * limit. No liboauth2 type appears here.
 *
 * A call that gets no HTTP answer (refused, timed out, TLS failure) is
 * KG_EBACKEND; any answer, whatever its status, is KG_OK with the status
 * and body in the reply, for the caller to judge. Neither the request
 * nor the reply is ever logged: both may carry secrets.
 */
#ifndef KG_PROTO_OIDC_HTTP_H
#define KG_PROTO_OIDC_HTTP_H

#include "gateway/base/err.h"
#include "gateway/base/json.h"
#include "gateway/base/log.h"
#include "gateway/proto/jose/keys.h"

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	long long timeout_s; /* the whole call, connect included */
	bool ssl_verify;     /* false only in tests */
	const char *ca_file; /* NULL: the system's CA store */
	const kg_log *log;   /* liboauth2's errors go here; may be NULL */
} kg_oidc_http_opts;

typedef struct {
	int status;	  /* the HTTP status */
	const char *body; /* NUL-terminated, in the caller's pool */
	size_t len;
} kg_oidc_http_reply;

/* One form field of a POST. */
typedef struct {
	const char *name;
	const char *value;
} kg_oidc_http_param;

/* GETs url; bearer, when not NULL, goes in Authorization. The reply
 * lives in pool. */
kg_rc kg_oidc_http_get(apr_pool_t *pool, const kg_oidc_http_opts *opts,
		       const char *url, const char *bearer,
		       kg_oidc_http_reply *out, kg_err *err);

/* POSTs params[0..n) form-encoded to url; basic_user and basic_pass, when
 * basic_user is not NULL, go in Authorization: Basic (each form-encoded
 * first, as RFC 6749 §2.3.1 asks). The reply lives in pool. */
kg_rc kg_oidc_http_post_form(apr_pool_t *pool, const kg_oidc_http_opts *opts,
			     const char *url, const kg_oidc_http_param *params,
			     size_t n, const char *basic_user,
			     const char *basic_pass, kg_oidc_http_reply *out,
			     kg_err *err);

/* Parses the reply's body as a JSON object into pool. Returns NULL when
 * it is not one (whatever the status). */
kg_json *kg_oidc_http_json(apr_pool_t *pool, const kg_oidc_http_reply *r);

/* A kg_jwt_fetch_fn over kg_oidc_http_get: ctx is a kg_oidc_http_opts. */
kg_jwt_fetch_fn kg_oidc_http_fetch;

/* The JWKS source over opts (which must outlive the key cache). */
kg_jwt_source kg_oidc_http_source(const kg_oidc_http_opts *opts);

#endif
