/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: random values and a constant-time comparison.
 */
#include "gateway/base/rand.h"
#include "gateway/base/b64url.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#define KG_RAND_MAX 64

kg_rc kg_rand_b64(apr_pool_t *pool, size_t nbytes, const char **out,
		  kg_err *err)
{
	unsigned char buf[KG_RAND_MAX];

	if (nbytes > sizeof(buf) || RAND_bytes(buf, (int)nbytes) != 1)
		return kg_err_set(err, KG_EINTERNAL,
				  "the random generator failed");
	*out = kg_b64url_encode(pool, buf, nbytes);
	OPENSSL_cleanse(buf, sizeof(buf));
	return KG_OK;
}

bool kg_str_equal_ct(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return false;
	la = strlen(a);
	lb = strlen(b);
	return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}
