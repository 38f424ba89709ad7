/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: random values (login state, nonce, PKCE verifier, SAML
 * request ids) and a constant-time string comparison.
 */
#ifndef KG_BASE_RAND_H
#define KG_BASE_RAND_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

/* Sets *out to nbytes from OpenSSL's RAND_bytes, base64url in pool. A
 * failing generator is KG_EINTERNAL: no login starts without entropy. */
kg_rc kg_rand_b64(apr_pool_t *pool, size_t nbytes, const char **out,
		  kg_err *err);

/* True when a and b are equal strings; the time taken does not depend on
 * where they differ. NULL equals nothing. */
bool kg_str_equal_ct(const char *a, const char *b);

#endif
