/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the random values of a login (state, nonce, PKCE verifier)
 * and the PKCE S256 challenge (RFC 7636 §4.2).
 */
#ifndef KG_PROTO_OIDC_RAND_H
#define KG_PROTO_OIDC_RAND_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

/* Sets *out to nbytes from OpenSSL's RAND_bytes, base64url in pool. A
 * failing generator is KG_EINTERNAL: no login starts without entropy. */
kg_rc kg_oidc_rand_b64(apr_pool_t *pool, size_t nbytes, const char **out,
		       kg_err *err);

/* Returns BASE64URL(SHA-256(verifier)), the S256 code_challenge. */
const char *kg_oidc_pkce_challenge(apr_pool_t *pool, const char *verifier);

/* True when a and b are equal strings; the time taken does not depend on
 * where they differ. NULL equals nothing. */
bool kg_oidc_str_equal_ct(const char *a, const char *b);

#endif
