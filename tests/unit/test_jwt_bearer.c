/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the bearer-token verifier: issuers by JWKS URL or
 * discovery, the result cache (hits, expiry at exp, the bound), and
 * tokens from issuers nobody configured.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"
#include "tests/unit/jwt_world.h"

#include "conf/conf.h"
#include "gateway/proto/oidc/bearer.h"

#include <apr_strings.h>
#include <string.h>

/* A verifier for the world's issuer (by JWKS URL, or by discovery) with
 * audience "api" and a cache of size entries. */
static kg_oidc_bearer *verifier(apr_pool_t *pool, bool discovery,
				 long long size)
{
	kgt_world *w = kgt_world_get();
	kg_conf *conf = kg_conf_make(pool);
	kg_conf_bearer_issuer *b = apr_array_push(conf->oidc.bearer_issuers);
	kg_oidc_bearer *v;
	kg_err err;

	b->issuer = w->issuer;
	b->jwks_uri = discovery ? NULL : w->jwks_uri;
	b->audiences = kgt_list(pool, "api", "other-api", NULL);
	conf->oidc.bearer_cache_size = size;
	kg_err_clear(&err);
	assert_int_equal(kg_oidc_bearer_open(pool, &conf->oidc, NULL, &v,
					      &err),
			 KG_OK);
	return v;
}

/* An access token of sub for audience "api", expiring at T+exp_in. */
static const char *access_token(apr_pool_t *pool, const char *sub, int exp_in)
{
	kgt_world *w = kgt_world_get();

	return kgt_jws(pool, w->rsa, "RS256",
		       "{'alg':'RS256','kid':'k1','typ':'JWT'}",
		       kgt_claims(pool, w,
				  kg_psprintf(pool,
					       "{'iss':'ISS','aud':['api',"
					       "'account'],'azp':'cli','sub':"
					       "'%s','jti':'j-%s','exp':%" APR_INT64_T_FMT ","
					       "'iat':T-0}",
					       sub, sub,
					       (apr_int64_t)(KGT_NOW_S + exp_in))));
}

static kg_rc verify(apr_pool_t *pool, kg_oidc_bearer *v, const char *tok,
		    long long now_ms, kg_oidc_bearer_token *t, kg_err *err)
{
	kg_err_clear(err);
	return kg_oidc_bearer_verify(v, pool, tok, now_ms, t, err);
}

static void test_bearer_is_verified_then_cached(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc_bearer *v = verifier(pool, false, 16);
	const char *tok = access_token(pool, "svc", 300);
	kg_oidc_bearer_token t;
	kg_err err;

	assert_int_equal(verify(pool, v, tok, KGT_NOW_MS, &t, &err), KG_OK);
	assert_false(t.cached);
	assert_string_equal(t.sub, "svc");
	assert_string_equal(t.jti, "j-svc");
	assert_string_equal(t.issuer, kgt_world_get()->issuer);
	assert_int_equal(verify(pool, v, tok, KGT_NOW_MS + 1000, &t, &err),
			 KG_OK);
	assert_true(t.cached);
	assert_string_equal(kg_json_get(t.claims, "sub")->str, "svc");
	/* a cached token still expires at its exp (+ skew) */
	assert_int_equal(verify(pool, v, tok, KGT_NOW_MS + 361000, &t, &err),
			 KG_EAUTH);
	assert_true(strncmp(err.msg, "jwt_exp", 7) == 0);
}

static void test_bearer_cache_is_bounded(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc_bearer *v = verifier(pool, false, 1);
	const char *toks[6];
	kg_oidc_bearer_token t;
	kg_err err;
	int hits = 0;

	for (int i = 0; i < 6; i++) {
		toks[i] = access_token(pool, kg_psprintf(pool, "u%d", i), 300);
		assert_int_equal(verify(pool, v, toks[i], KGT_NOW_MS, &t, &err),
				 KG_OK);
	}
	for (int i = 0; i < 6; i++) {
		assert_int_equal(verify(pool, v, toks[i], KGT_NOW_MS, &t, &err),
				 KG_OK);
		hits += t.cached;
	}
	/* capacity 1 rounds up to one set of 4 ways */
	assert_true(hits <= 4);
}

static void test_bearer_cache_off(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc_bearer *v = verifier(pool, false, 0);
	const char *tok = access_token(pool, "svc", 300);
	kg_oidc_bearer_token t;
	kg_err err;

	assert_int_equal(verify(pool, v, tok, KGT_NOW_MS, &t, &err), KG_OK);
	assert_int_equal(verify(pool, v, tok, KGT_NOW_MS, &t, &err), KG_OK);
	assert_false(t.cached);
}

static void test_bearer_by_discovery(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc_bearer *v = verifier(pool, true, 16);
	kg_oidc_bearer_token t;
	kg_err err;

	assert_int_equal(verify(pool, v, access_token(pool, "d", 300), KGT_NOW_MS,
				&t, &err),
			 KG_OK);
}

static void test_bearer_rejects(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_oidc_bearer *v = verifier(pool, false, 16);
	kg_oidc_bearer_token t;
	kg_err err;

	assert_int_equal(
		verify(pool, v,
		       kgt_jws(pool, w->rsa, "RS256", "{'alg':'RS256'}",
			       "{'iss':'https://other','aud':'api','exp':1e10}"),
		       KGT_NOW_MS, &t, &err),
		KG_EAUTH);
	assert_true(strncmp(err.msg, "jwt_iss", 7) == 0);
	assert_int_equal(
		verify(pool, v,
		       kgt_jws(pool, w->rsa, "RS256", "{'alg':'RS256'}",
			       kgt_claims(pool, w,
					  "{'iss':'ISS','aud':'web','exp':"
					  "T+300}")),
		       KGT_NOW_MS, &t, &err),
		KG_EAUTH);
	assert_true(strncmp(err.msg, "jwt_aud", 7) == 0);
	assert_int_equal(verify(pool, v, "garbage", KGT_NOW_MS, &t, &err),
			 KG_EAUTH);
	assert_int_equal(verify(pool, v, access_token(pool, "old", -100),
				KGT_NOW_MS, &t, &err),
			 KG_EAUTH);
	assert_true(strncmp(err.msg, "jwt_exp", 7) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_bearer_is_verified_then_cached),
		KGT(test_bearer_cache_is_bounded),
		KGT(test_bearer_cache_off),
		KGT(test_bearer_by_discovery),
		KGT(test_bearer_rejects),
	};
	return KGT_RUN(tests);
}
