/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: login randoms, PKCE S256 and a constant-time comparison.
 */
#include "gateway/proto/oidc_rand.h"
#include "gateway/proto/jwt_b64.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#define KG_RAND_MAX 64

kg_rc kg_oidc_rand_b64(apr_pool_t *pool, size_t nbytes, const char **out,
		       kg_err *err)
{
	unsigned char buf[KG_RAND_MAX];

	if (nbytes > sizeof(buf) || RAND_bytes(buf, (int)nbytes) != 1)
		return kg_err_set(err, KG_EINTERNAL,
				  "the random generator failed");
	*out = kg_jwt_b64_encode(pool, buf, nbytes);
	OPENSSL_cleanse(buf, sizeof(buf));
	return KG_OK;
}

const char *kg_oidc_pkce_challenge(apr_pool_t *pool, const char *verifier)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)verifier, strlen(verifier), md);
	return kg_jwt_b64_encode(pool, md, sizeof(md));
}

bool kg_oidc_str_equal_ct(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return false;
	la = strlen(a);
	lb = strlen(b);
	return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}
