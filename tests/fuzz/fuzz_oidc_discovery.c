/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: an OpenID provider's discovery document as it
 * arrives from the network, through kg_oidc_discovery_parse: the strict
 * JSON reader, the issuer mix-up check against a fixed issuer, the
 * jwks_uri requirement and the endpoints kept. The input is the HTTP body
 * of a 200 answer.
 */
#include "tests/fuzz/fuzz.h"
#include "gateway/proto/oidc/discovery.h"

#include <apr_general.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ISSUER "https://op.example/realms/corp"
#define URL ISSUER "/.well-known/openid-configuration"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	kg_oidc_meta meta;
	kg_err err = {0};

	apr_pool_create(&pool, root);
	if (kg_oidc_discovery_parse(pool, ISSUER, URL, 200, (const char *)data,
				    size, &meta, &err) == KG_OK &&
	    (meta.jwks_uri == NULL || meta.issuer == NULL ||
	     strcmp(meta.issuer, ISSUER) != 0))
		abort(); /* the contract: the issuer matched, a jwks_uri */
	apr_pool_destroy(pool);
	return 0;
}
