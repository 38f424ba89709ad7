/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: a provider's JWKS document as it arrives from the
 * network, through kg_jwt_keys_parse: the strict JSON reader, the pick of
 * signing keys (kty, use), cjose's import of each key, and the count of
 * usable and skipped keys. The input is the HTTP body.
 */
#include "tests/fuzz/fuzz.h"
#include "gateway/proto/jose/keys.h"

#include <apr_general.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	size_t usable = 0, skipped = 0;
	kg_err err = {0};

	apr_pool_create(&pool, root);
	if (kg_jwt_keys_parse(pool, (const char *)data, size, &usable, &skipped,
			      &err) == KG_OK &&
	    usable > 64)
		abort(); /* the keyset holds at most 64 keys */
	apr_pool_destroy(pool);
	return 0;
}
