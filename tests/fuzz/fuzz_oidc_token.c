/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: the token endpoint's JSON answer as it arrives
 * from the network, through kg_oidc_token_parse: the strict JSON reader,
 * the error and token_type checks, the tokens kept and expires_in. The
 * input is the HTTP body; it is read as a 200 and as a 400 answer.
 */
#include "tests/fuzz/fuzz.h"
#include "gateway/proto/oidc/oidc.h"

#include <apr_general.h>
#include <stdint.h>
#include <stdlib.h>

#define NOW_MS 1795604056000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int statuses[] = {200, 400};
	apr_pool_t *pool;

	apr_pool_create(&pool, root);
	for (size_t i = 0; i < sizeof(statuses) / sizeof(*statuses); i++) {
		kg_oidc_tokens t;
		kg_err err = {0};
		kg_rc rc = kg_oidc_token_parse(pool, statuses[i],
					       (const char *)data, size, NOW_MS,
					       &t, &err);
		/* the contract: only a 200 with an access token is KG_OK,
		 * and the expiry is within 366 days */
		if (rc == KG_OK &&
		    (statuses[i] != 200 || t.access_token == NULL ||
		     t.claims != NULL || t.access_expires_ms < 0 ||
		     t.access_expires_ms > NOW_MS + 366LL * 86400 * 1000))
			abort();
	}
	apr_pool_destroy(pool);
	return 0;
}
