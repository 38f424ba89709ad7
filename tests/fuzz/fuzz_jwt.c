/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: what a bearer token meets before any key is
 * looked up: the issuer peek, base64url decoding of each segment, the
 * strict JSON reader, and the claim checks.
 */
#include "tests/fuzz/fuzz.h"
#include "gateway/base/b64url.h"
#include "gateway/proto/jose/check.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	const char *token, *dot, *iss;
	apr_array_header_t *algs, *auds, *login;
	kg_jwt_rules rules = {0};
	unsigned char *bytes;
	size_t n;
	kg_json *claims;
	kg_json_error je;
	long long exp;
	kg_err err = {0};

	apr_pool_create(&pool, root);
	token = apr_pstrmemdup(pool, (const char *)data, size);
	kg_jwt_peek_issuer(pool, token, &iss, &err);
	algs = apr_array_make(pool, 1, sizeof(const char *));
	auds = apr_array_make(pool, 1, sizeof(const char *));
	APR_ARRAY_PUSH(algs, const char *) = "RS256";
	APR_ARRAY_PUSH(auds, const char *) = "api";
	login = apr_array_make(pool, 1, sizeof(const char *));
	APR_ARRAY_PUSH(login, const char *) = "web";
	rules.algorithms = algs;
	rules.audiences = auds;
	rules.issuer = "https://issuer.test";
	rules.require_exp = true;
	/* a bearer token's rules: access tokens only, from listed clients */
	rules.access_token = true;
	rules.clients = auds;
	rules.login_clients = login;
	dot = strchr(token, '.');
	if (dot &&
	    kg_b64url_decode(pool, dot + 1, strcspn(dot + 1, "."), &bytes,
			     &n) &&
	    kg_json_parse(pool, (const char *)bytes, n, 16, &claims, &je))
		kg_jwt_check_claims(claims, &rules, 1700000000000LL, &exp,
				    &err);
	apr_pool_destroy(pool);
	return 0;
}
