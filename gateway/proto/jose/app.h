/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway-signed RS256 JWT an app receives in Authorization
 * (Domino's "app secure identity propagation"), and the JWKS that lets an
 * app verify it, with the certificate in x5c as Domino's sample app
 * expects.
 */
#ifndef KG_PROTO_JOSE_APP_H
#define KG_PROTO_JOSE_APP_H

#include "gateway/base/err.h"
#include "gateway/base/user.h"

#include <apr_pools.h>

typedef struct kg_app_signer kg_app_signer;

/* Loads the RSA private key and its certificate (PEM files). The key is
 * freed (and wiped by OpenSSL) when pool is cleared. KG_ECONFIG when a
 * file does not load, the key is not RSA of 2048 bits or more, or the
 * certificate is not the key's. */
kg_rc kg_app_signer_open(apr_pool_t *pool, const char *key_path,
			 const char *cert_path, kg_app_signer **out,
			 kg_err *err);

/* What the token says beyond the user. */
typedef struct {
	const char *issuer;  /* iss */
	const char *session; /* sid: a non-secret session reference */
	long long auth_s;    /* auth_time */
	long long now_s;     /* iat; exp is iat + lifetime */
	long long lifetime_s;
} kg_app_claims;

/* Signs a token for user; *out lives in pool. Thread-safe. */
kg_rc kg_app_jwt_sign(kg_app_signer *s, apr_pool_t *pool, const kg_user *user,
		      const kg_app_claims *c, const char **out, kg_err *err);

/* The JWKS document ({"keys":[{kty, kid, use, alg, n, e, x5c}]}). */
const char *kg_app_signer_jwks(const kg_app_signer *s);

#endif
