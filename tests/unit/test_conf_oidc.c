/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the OIDC and bearer directives, read from a config
 * file.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include "conf/conf.h"

#include <apr_strings.h>
#include <string.h>

static void test_oidc_defaults(void **state)
{
	kg_conf *conf = kg_conf_make(*state);
	const kg_conf_oidc *o = &conf->oidc;

	assert_null(o->issuer);
	assert_string_equal(kgt_join(*state, o->algorithms),
			    "RS256,PS256,ES256");
	assert_int_equal(o->client_auth, KG_OIDC_AUTH_BASIC);
	assert_string_equal(kg_conf_oidc_client_auth_name(o->client_auth),
			    "client_secret_basic");
	assert_true(o->ssl_verify);
	assert_true(o->clock_skew_s == 60);
	assert_true(o->jwks_refresh_min_s == 30);
	assert_int_equal(o->bearer_issuers->nelts, 0);
}

static void test_oidc_directives_are_read(void **state)
{
	apr_pool_t *pool = *state;
	const char *secret = kgt_temp_file(pool, "from-a-file\n");
	kg_conf *conf;
	kg_err err;
	const kg_conf_oidc *o;
	const kg_conf_bearer_issuer *b;

	assert_int_equal(
		kgt_conf_load(
			pool,
			kg_psprintf(
				pool,
				"KeygateOIDCProvider corp-oidc "
				"https://kc.example/realms/domino\n"
				"KeygateOIDCClientID domino\n"
				"KeygateOIDCClientSecret file:%s\n"
				"KeygateOIDCClientAuth post\n"
				"KeygateOIDCScope openid email groups\n"
				"KeygateOIDCAlgorithms RS256 ES384\n"
				"KeygateOIDCClockSkew 30\n"
				"KeygateOIDCUserinfo On\n"
				"KeygateOIDCCAFile /etc/ssl/ca.pem\n"
				"KeygateOIDCSSLVerify Off\n"
				"KeygateOIDCDiscoveryRefresh 600\n"
				"KeygateOIDCJWKSRefreshMin 10\n"
				"KeygateOIDCTimeout 3\n"
				"KeygateBearerIssuer https://kc.example/realms/"
				"domino "
				"https://kc.example/realms/domino/protocol/"
				"openid-connect/certs domino-api account\n"
				"KeygateBearerIssuer https://login.example "
				"discovery api\n"
				"KeygateBearerCacheSize 100\n"
				"KeygateBearerCacheTime 60\n",
				secret),
			&conf, &err),
		KG_OK);
	assert_int_equal(conf->oidc.providers->nelts, 1);
	o = APR_ARRAY_IDX(conf->oidc.providers, 0, kg_conf_oidc *);
	assert_string_equal(o->alias, "corp-oidc");
	assert_string_equal(o->issuer, "https://kc.example/realms/domino");
	assert_string_equal(o->client_id, "domino");
	assert_memory_equal(o->client_secret.bytes, "from-a-file", 11);
	assert_int_equal(o->client_secret.len, 11);
	assert_int_equal(o->client_auth, KG_OIDC_AUTH_POST);
	assert_string_equal(o->scope, "openid email groups");
	assert_string_equal(kgt_join(pool, o->algorithms), "RS256,ES384");
	assert_true(o->clock_skew_s == 30);
	assert_true(o->userinfo);
	assert_string_equal(o->ca_file, "/etc/ssl/ca.pem");
	assert_false(o->ssl_verify);
	assert_true(o->discovery_refresh_s == 600);
	assert_true(o->jwks_refresh_min_s == 10);
	assert_true(o->timeout_s == 3);
	assert_int_equal(o->bearer_issuers->nelts, 2);
	b = &APR_ARRAY_IDX(o->bearer_issuers, 0, kg_conf_bearer_issuer);
	assert_non_null(strstr(b->jwks_uri, "/openid-connect/certs"));
	assert_string_equal(kgt_join(pool, b->audiences), "domino-api,account");
	b = &APR_ARRAY_IDX(o->bearer_issuers, 1, kg_conf_bearer_issuer);
	assert_null(b->jwks_uri);
	assert_true(o->bearer_cache_size == 100);
	assert_true(o->bearer_cache_max_s == 60);
}

/* Several providers: each has its own client; the client directives
 * above every provider are the defaults; the token checks are shared. */
static void test_oidc_several_providers(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err;
	const kg_conf_oidc *a, *b;

	assert_int_equal(
		kgt_conf_load(pool,
			      "KeygateOIDCScope openid email\n"
			      "KeygateOIDCClientID shared\n"
			      "KeygateOIDCProvider a https://a.example\n"
			      "KeygateOIDCClientSecret sa\n"
			      "KeygateOIDCRefreshFailure keep\n"
			      "KeygateOIDCProvider b https://b.example\n"
			      "KeygateOIDCClientID bee\n"
			      "KeygateOIDCClientAuth post\n"
			      "KeygateOIDCUserinfo On\n"
			      "KeygateOIDCRefreshMargin 30\n"
			      "KeygateOIDCClockSkew 5\n"
			      "KeygateBearerIssuer https://a.example discovery "
			      "api\n",
			      &conf, &err),
		KG_OK);
	assert_int_equal(conf->oidc.providers->nelts, 2);
	a = kg_conf_oidc_find(&conf->oidc, "a");
	b = kg_conf_oidc_find(&conf->oidc, "b");
	assert_ptr_equal(
		kg_conf_oidc_by_issuer(&conf->oidc, "https://b.example"), b);
	assert_null(kg_conf_oidc_by_issuer(&conf->oidc, "https://b.example/"));
	assert_null(kg_conf_oidc_find(&conf->oidc, "c"));
	assert_string_equal(a->client_id, "shared");
	assert_string_equal(a->scope, "openid email");
	assert_memory_equal(a->client_secret.bytes, "sa", 2);
	assert_int_equal(a->client_auth, KG_OIDC_AUTH_BASIC);
	assert_false(a->userinfo);
	assert_false(a->refresh_failure_logout);
	assert_true(a->refresh_margin_s == 60);
	assert_string_equal(b->client_id, "bee");
	assert_string_equal(b->scope, "openid email");
	assert_null(b->client_secret.bytes);
	assert_int_equal(b->client_auth, KG_OIDC_AUTH_POST);
	assert_true(b->userinfo);
	assert_true(b->refresh_failure_logout);
	assert_true(b->refresh_margin_s == 30);
	/* shared, wherever written */
	assert_true(a->clock_skew_s == 5 && b->clock_skew_s == 5);
	assert_true(conf->oidc.clock_skew_s == 5);
	assert_int_equal(a->bearer_issuers->nelts, 1);
	/* the defaults themselves are no provider */
	assert_null(conf->oidc.issuer);
	assert_string_equal(conf->oidc.client_id, "shared");
}

static void test_oidc_directive_errors(void **state)
{
	static const kgt_bad_directive rows[] = {
		{"KeygateOIDCProvider corp ftp://x", "http(s) URL"},
		{"KeygateOIDCProvider corp", "takes 2 arguments"},
		{"KeygateOIDCClientAuth jwt", "basic or post"},
		{"KeygateOIDCScope email profile", "must include openid"},
		{"KeygateOIDCAlgorithms RS256 none", "none and HS*"},
		{"KeygateOIDCAlgorithms HS256", "none and HS*"},
		{"KeygateOIDCAlgorithms rs256", "none and HS*"},
		{"KeygateOIDCClockSkew 601", "whole number"},
		{"KeygateOIDCSSLVerify maybe", "On or Off"},
		{"KeygateOIDCClientSecret file:/nonexistent/s", "nonexistent"},
		{"KeygateOIDCTimeout 0", "whole number"},
		{"KeygateBearerIssuer https://i https://i/certs", "at least 3"},
		{"KeygateBearerIssuer https://i jwks aud", "or discovery"},
		{"KeygateBearerCacheSize -1", "whole number"},
	};
	kgt_expect_directive_errors(*state, rows,
				    sizeof(rows) / sizeof(rows[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_oidc_defaults),
		KGT(test_oidc_directives_are_read),
		KGT(test_oidc_several_providers),
		KGT(test_oidc_directive_errors),
	};
	return KGT_RUN(tests);
}
