/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway-signed RS256 JWT an app receives in Authorization
 * (Domino's "app secure identity propagation"), and the JWKS that lets an
 * app verify it, with the certificate in x5c as Domino's sample app
 * expects.
 *
 * The signer holds every KeygateAppJWTKey: the last one signs; the
 * others stay in the JWKS until their retirement time, so an app that
 * cached an older key keeps verifying the tokens it already holds.
 */
#ifndef KG_PROTO_JOSE_APP_H
#define KG_PROTO_JOSE_APP_H

#include "conf/gateway.h"
#include "gateway/base/err.h"
#include "gateway/base/user.h"

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct kg_app_signer kg_app_signer;

/* Loads keys (kg_conf_app_key, at least one: RSA PEM files of 2048 bits
 * or more) and their certificates: a key's own CERT, else cert_path when
 * it is that key's certificate, else a self-signed certificate made from
 * the key (the same bytes on every replica: fixed names, dates and
 * serial, and RSA PKCS#1 v1.5 signatures are deterministic). The keys
 * are freed (and wiped by OpenSSL) when pool is cleared. KG_ECONFIG when
 * a file does not load, a key is not RSA of 2048 bits or more, a
 * certificate is not its key's, or cert_path is no listed key's. */
kg_rc kg_app_signer_open(apr_pool_t *pool, const apr_array_header_t *keys,
			 const char *cert_path, kg_app_signer **out,
			 kg_err *err);

/* What the token says beyond the user. */
typedef struct {
	const char *issuer;  /* iss */
	const char *session; /* the session's id: session_state and sid
				are a UUID made from its hash, never it */
	const char *idp;     /* idpbroker: the provider alias, or NULL */
	long long auth_s;    /* auth_time */
	long long now_s;     /* iat; exp is iat + lifetime */
	long long lifetime_s;
} kg_app_claims;

/* Signs a token for user with the newest key; *out lives in pool.
 * Thread-safe. */
kg_rc kg_app_jwt_sign(kg_app_signer *s, apr_pool_t *pool, const kg_user *user,
		      const kg_app_claims *c, const char **out, kg_err *err);

/* The JWKS document at now_s ({"keys":[{kid, kty, alg, use, n, e, x5c,
 * x5t, x5t#S256}]}): the signing key first, then each older key whose
 * retirement time has not come. In pool. */
const char *kg_app_signer_jwks(const kg_app_signer *s, apr_pool_t *pool,
			       long long now_s);

/* The signing key's public key: base64 DER SubjectPublicKeyInfo, as
 * Keycloak's realm document gives public_key. */
const char *kg_app_signer_public_key(const kg_app_signer *s);

/* One line on the ring for the start-up log, in pool: "signing=KID" and
 * "published=KID,KID until TIME,..." for the older keys (retired ones
 * say "retired"). */
const char *kg_app_signer_summary(const kg_app_signer *s, apr_pool_t *pool,
				  long long now_s);

/* The signing key's kid. */
const char *kg_app_signer_kid(const kg_app_signer *s);

#endif
