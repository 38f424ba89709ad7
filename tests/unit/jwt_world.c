/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the shared provider world.
 */
#include "tests/unit/jwt_world.h"
#include "gateway/base/str.h"
#include "tests/unit/fixture.h"

#include <apr_strings.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static kgt_world world;

void kgt_world_reset(void)
{
	const char *disco = kg_psprintf(
		world.pool,
		"{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/auth\","
		"\"token_endpoint\":\"%s/token\",\"userinfo_endpoint\":"
		"\"%s/userinfo\",\"jwks_uri\":\"%s\","
		"\"end_session_endpoint\":\"%s/logout\"}",
		world.issuer, world.issuer, world.issuer, world.issuer,
		world.jwks_uri, world.issuer);
	kgt_http_route(world.http, "/.well-known/openid-configuration", 200,
		       "application/json", disco);
	kgt_http_route(world.http, "/jwks", 200, "application/json",
		       kgt_jwks(world.pool, world.rsa, world.ec, NULL));
}

kgt_world *kgt_world_get(void)
{
	if (world.pool == NULL) {
		apr_pool_create(&world.pool, NULL);
		world.http = kgt_http_start(world.pool);
		world.issuer = kgt_http_url(world.http, world.pool, "");
		world.jwks_uri = kgt_http_url(world.http, world.pool, "/jwks");
		world.rsa = kgt_key_rsa(world.pool, "k1");
		world.ec = kgt_key_ec(world.pool, "e1");
		world.attacker = kgt_key_rsa(world.pool, "k1");
		kgt_world_reset();
	}
	return &world;
}

const char *kgt_claims(apr_pool_t *pool, const kgt_world *w, const char *s)
{
	const char *q = kgt_q(pool, s);
	kg_buf b;

	kg_buf_init(&b, pool, 256);
	while (*q) {
		if ((q[0] == 'T') && (q[1] == '+' || q[1] == '-') &&
		    isdigit((unsigned char)q[2])) {
			char *end;
			long long n = strtoll(q + 2, &end, 10);
			kg_buf_addf(&b, "%lld",
				    q[1] == '+' ? KGT_NOW_S + n
						: KGT_NOW_S - n);
			q = end;
		} else if (strncmp(q, "ISS", 3) == 0) {
			kg_buf_adds(&b, w->issuer);
			q += 3;
		} else
			kg_buf_addc(&b, *q++);
	}
	return b.data;
}
