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
	assert_int_equal(kg_oidc_bearer_open(pool, &conf->oidc, NULL, &v, &err),
			 KG_OK);
	return v;
}

/* An access token of sub for audience "api", expiring at T+exp_in. */
static const char *access_token(apr_pool_t *pool, const char *sub, int exp_in)
{
	kgt_world *w = kgt_world_get();

	return kgt_jws(
		pool, w->rsa, "RS256", "{'alg':'RS256','kid':'k1','typ':'JWT'}",
		kgt_claims(
			pool, w,
			kg_psprintf(
				pool,
				"{'iss':'ISS','aud':['api',"
				"'account'],'azp':'cli','sub':"
				"'%s','jti':'j-%s','exp':%" APR_INT64_T_FMT ","
				"'iat':T-0}",
				sub, sub, (apr_int64_t)(KGT_NOW_S + exp_in))));
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

	assert_int_equal(verify(pool, v, access_token(pool, "d", 300),
				KGT_NOW_MS, &t, &err),
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
			       "{'iss':'https://"
			       "other','aud':'api','exp':1e10}"),
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

/* A verifier for the world's issuer with audience "api", whose login
 * client (KeygateOIDCProvider + KeygateOIDCClientID) is "web", and with
 * KeygateBearerClients "cli" "tool" when clients is set. Built through
 * the directives, so kg_conf_finish resolves the clients. */
static kg_oidc_bearer *kinds_verifier(apr_pool_t *pool, bool clients)
{
	kgt_world *w = kgt_world_get();
	kg_conf *conf;
	kg_oidc_bearer *v;
	kg_err err;

	assert_int_equal(
		kgt_conf_load(
			pool,
			kg_psprintf(
				pool,
				"KeygateOIDCProvider corp %s\n"
				"KeygateOIDCClientID web\n"
				"KeygateBearerIssuer %s %s api\n%s",
				w->issuer, w->issuer, w->jwks_uri,
				clients ? kg_psprintf(pool,
						      "KeygateBearerClients "
						      "%s cli\n"
						      "KeygateBearerClients "
						      "%s tool\n",
						      w->issuer, w->issuer)
					: ""),
			&conf, &err),
		KG_OK);
	assert_int_equal(kg_oidc_bearer_open(pool, &conf->oidc, NULL, &v, &err),
			 KG_OK);
	return v;
}

/* KeygateBearerClients must name a configured bearer issuer. */
static void test_bearer_clients_need_their_issuer(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err;

	assert_int_equal(kgt_conf_load(pool,
				       "KeygateBearerIssuer https://a.test "
				       "discovery api\n"
				       "KeygateBearerClients https://b.test "
				       "cli\n",
				       &conf, &err),
			 KG_ECONFIG);
	assert_non_null(strstr(err.msg, "https://b.test"));
	assert_int_equal(kgt_conf_load(pool,
				       "KeygateBearerClients https://a.test "
				       "cli\n"
				       "KeygateBearerIssuer https://a.test "
				       "discovery api\n",
				       &conf, &err),
			 KG_OK);
	assert_string_equal(
		kgt_join(pool, APR_ARRAY_IDX(conf->oidc.bearer_issuers, 0,
					     kg_conf_bearer_issuer)
				       .clients),
		"cli");
}

/* Verifies header + claims (' for ", T+N times) signed by k1; asserts the
 * reason (NULL: accepted). */
static void kind(apr_pool_t *pool, kg_oidc_bearer *v, const char *what,
		 const char *header, const char *claims, const char *reason)
{
	kgt_world *w = kgt_world_get();
	kg_oidc_bearer_token t;
	kg_err err;
	kg_rc rc = verify(pool, v,
			  kgt_jws(pool, w->rsa, "RS256", header,
				  kgt_claims(pool, w, claims)),
			  KGT_NOW_MS, &t, &err);

	if (reason == NULL ? rc != KG_OK
			   : rc != KG_EAUTH || strncmp(err.msg, reason,
						       strlen(reason)) != 0)
		fail_msg("%s: rc %s \"%s\", want %s", what, kg_rc_name(rc),
			 err.msg, reason ? reason : "ok");
}

#define HDR "{'alg':'RS256','kid':'k1'}"
#define AT(extra) "{'iss':'ISS','aud':'api','sub':'s','exp':T+300" extra "}"

/* security.md 2: only access tokens are bearer tokens. */
static void test_bearer_takes_only_access_tokens(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc_bearer *v = kinds_verifier(pool, false);

	kind(pool, v, "plain access token", HDR, AT(""), NULL);
	kind(pool, v, "typ JWT", "{'alg':'RS256','kid':'k1','typ':'JWT'}",
	     AT(""), NULL);
	kind(pool, v, "typ at+jwt (RFC 9068)",
	     "{'alg':'RS256','kid':'k1','typ':'at+jwt'}", AT(""), NULL);
	kind(pool, v, "typ application/at+JWT",
	     "{'alg':'RS256','kid':'k1','typ':'application/at+JWT'}", AT(""),
	     NULL);
	kind(pool, v, "typ dpop+jwt",
	     "{'alg':'RS256','kid':'k1','typ':'dpop+jwt'}", AT(""), "jwt_typ");
	kind(pool, v, "typ logout+jwt",
	     "{'alg':'RS256','kid':'k1','typ':'logout+jwt'}", AT(""),
	     "jwt_typ");
	kind(pool, v, "typ empty", "{'alg':'RS256','kid':'k1','typ':''}",
	     AT(""), "jwt_typ");
	kind(pool, v, "typ a number", "{'alg':'RS256','kid':'k1','typ':1}",
	     AT(""), "jwt_typ");
	kind(pool, v, "an ID token: nonce", HDR, AT(",'nonce':'n'"),
	     "jwt_id_token");
	kind(pool, v, "an ID token: at_hash", HDR, AT(",'at_hash':'x'"),
	     "jwt_id_token");
	kind(pool, v, "an ID token: c_hash", HDR, AT(",'c_hash':'x'"),
	     "jwt_id_token");
	kind(pool, v, "Keycloak's ID token: typ ID", HDR, AT(",'typ':'ID'"),
	     "jwt_id_token");
	kind(pool, v, "Keycloak's refresh token", HDR, AT(",'typ':'Refresh'"),
	     "jwt_typ");
	kind(pool, v, "Keycloak before #26893: nonce in a typ Bearer token",
	     HDR, AT(",'typ':'Bearer','nonce':'n'"), NULL);
	kind(pool, v, "typ Bearer does not excuse at_hash", HDR,
	     AT(",'typ':'Bearer','at_hash':'x'"), "jwt_id_token");
	kind(pool, v, "an ID token for the login client", HDR,
	     "{'iss':'ISS','aud':'web','sub':'s','exp':T+300}",
	     "jwt_id_token: aud names the login client");
	kind(pool, v, "a logout token: events", HDR,
	     AT(",'events':{'http://schemas.openid.net/event/"
		"backchannel-logout':{}}"),
	     "jwt_logout_token");
	kind(pool, v, "Keycloak's logout token", HDR, AT(",'typ':'Logout'"),
	     "jwt_logout_token");
	kind(pool, v, "another API's token", HDR,
	     "{'iss':'ISS','aud':'billing','sub':'s','exp':T+300}", "jwt_aud");
	/* without KeygateBearerClients any client of the provider may call */
	kind(pool, v, "azp of any client", HDR, AT(",'azp':'someone'"), NULL);
	kind(pool, v, "several audiences, azp someone else", HDR,
	     "{'iss':'ISS','aud':['api','billing'],'azp':'x','sub':'s',"
	     "'exp':T+300}",
	     NULL);
}

/* KeygateBearerClients: the token's client (azp, else client_id) must be
 * listed, whatever its audiences. */
static void test_bearer_clients_are_an_allow_list(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc_bearer *v = kinds_verifier(pool, true);

	kind(pool, v, "azp listed", HDR, AT(",'azp':'cli'"), NULL);
	kind(pool, v, "client_id listed (RFC 9068)", HDR,
	     AT(",'client_id':'tool'"), NULL);
	kind(pool, v, "azp and client_id agree", HDR,
	     AT(",'azp':'cli','client_id':'cli'"), NULL);
	kind(pool, v, "azp of another client", HDR, AT(",'azp':'rogue'"),
	     "jwt_azp");
	kind(pool, v, "client_id of another client", HDR,
	     AT(",'client_id':'rogue'"), "jwt_azp");
	kind(pool, v, "azp and client_id disagree", HDR,
	     AT(",'azp':'cli','client_id':'rogue'"), "jwt_azp");
	kind(pool, v, "no client named", HDR, AT(""), "jwt_azp");
	kind(pool, v, "azp not a string", HDR, AT(",'azp':['cli']"), "jwt_azp");
	kind(pool, v, "client case differs", HDR, AT(",'azp':'CLI'"),
	     "jwt_azp");
	kind(pool, v, "several audiences, azp someone else", HDR,
	     "{'iss':'ISS','aud':['api','billing'],'azp':'rogue','sub':'s',"
	     "'exp':T+300}",
	     "jwt_azp");
	kind(pool, v, "an ID token of a listed client", HDR,
	     "{'iss':'ISS','aud':'cli','azp':'cli','sub':'s','exp':T+300}",
	     "jwt_id_token: aud names the login client");
}

/* RFC 8259 8.1: no byte-order mark in a token's JSON. */
static void test_bearer_json_with_a_bom_is_refused(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc_bearer *v = kinds_verifier(pool, false);

	kind(pool, v, "payload with a BOM", HDR, "\xef\xbb\xbf" AT(""),
	     "jwt_json");
	kind(pool, v, "header with a BOM", "\xef\xbb\xbf" HDR, AT(""),
	     "jwt_json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_bearer_is_verified_then_cached),
		KGT(test_bearer_cache_is_bounded),
		KGT(test_bearer_cache_off),
		KGT(test_bearer_by_discovery),
		KGT(test_bearer_rejects),
		KGT(test_bearer_takes_only_access_tokens),
		KGT(test_bearer_clients_are_an_allow_list),
		KGT(test_bearer_clients_need_their_issuer),
		KGT(test_bearer_json_with_a_bom_is_refused),
	};
	return KGT_RUN(tests);
}
