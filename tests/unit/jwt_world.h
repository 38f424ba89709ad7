/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: a provider world for the OIDC and JWT tests: a
 * loopback server publishing a JWKS (an RSA key "k1" and an EC key "e1")
 * and a discovery document for its issuer, a fixed clock, and claims
 * text with times relative to it.
 */
#ifndef KGT_JWT_WORLD_H
#define KGT_JWT_WORLD_H

#include "tests/unit/http_stub.h"
#include "tests/unit/jose_fixture.h"

#include <apr_pools.h>

/* The tests' "now": 2023-11-14T22:13:20Z. */
#define KGT_NOW_S 1700000000LL
#define KGT_NOW_MS (KGT_NOW_S * 1000)

typedef struct {
	apr_pool_t *pool; /* lives until apr_terminate */
	kgt_http *http;
	const char *issuer; /* http://127.0.0.1:PORT */
	const char *jwks_uri;
	kgt_key *rsa, *ec, *attacker;
} kgt_world;

/* The shared world, made on first use (keys are slow to make), with
 * /.well-known/openid-configuration and /jwks serving good answers. */
kgt_world *kgt_world_get(void);

/* Restores the discovery document and JWKS routes a test changed. */
void kgt_world_reset(void);

/* s with every "T+N" / "T-N" replaced by KGT_NOW_S + N / - N, ' by ",
 * and "ISS" by the world's issuer. */
const char *kgt_claims(apr_pool_t *pool, const kgt_world *w, const char *s);

#endif
