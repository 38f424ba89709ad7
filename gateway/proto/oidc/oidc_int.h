/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: what the files of the OpenID Connect relying party share (the
 * kg_oidc object); not for use outside gateway/proto/oidc*.c.
 */
#ifndef KG_PROTO_OIDC_OIDC_INT_H
#define KG_PROTO_OIDC_OIDC_INT_H

#include "gateway/proto/jose/check.h"
#include "gateway/proto/oidc/oidc.h"
#include "gateway/proto/oidc/discovery.h"
#include "gateway/proto/oidc/http.h"

/* The largest authorization code or refresh token keygate sends on. */
#define KG_OIDC_CODE_MAX 4096

struct kg_oidc {
	const kg_conf_oidc *conf;
	const kg_log *log;
	kg_oidc_http_opts http;
	kg_oidc_discovery *discovery;
	kg_jwt_keys *keys;
	apr_array_header_t *client; /* const char *: just the client_id */
};

/* Fills rules for a token this provider issued to this client: alg
 * allow-list, iss, aud, the skew; azp checked when azp is true. */
void kg_oidc_rules(const kg_oidc *o, bool azp, kg_jwt_rules *rules);

/* Verifies token (signature by the provider's JWKS, then rules); fills
 * *out in pool. Errors as kg_jwt_check and kg_oidc_discovery_get. */
kg_rc kg_oidc_jwt_check(kg_oidc *o, apr_pool_t *pool, const char *token,
			const kg_jwt_rules *rules, long long now_ms,
			kg_jwt *out, kg_err *err);

#endif
