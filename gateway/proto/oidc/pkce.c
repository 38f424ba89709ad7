/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the PKCE S256 challenge (RFC 7636 §4.2).
 */
#include "gateway/proto/oidc/oidc.h"
#include "gateway/base/b64url.h"

#include <openssl/sha.h>
#include <string.h>

const char *kg_oidc_pkce_challenge(apr_pool_t *pool, const char *verifier)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)verifier, strlen(verifier), md);
	return kg_b64url_encode(pool, md, sizeof(md));
}
