/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: API calls with "Authorization: Bearer", without
 * Apache, against a real redis-server (flow_fixture.h) and the loopback
 * provider of jwt_world.h (its JWKS served on 127.0.0.1: no network).
 * A good token passes as its mapped user, a bad one is 401
 * invalid_token, a revoked one 401 token_revoked, a gated one 403, Redis
 * down 503; with an API session limit, tokens count as sessions.
 *
 * Flow files covered:
 *   flow/authn/bearer.c        verify, revocation, mapping, refusals
 *   flow/authn/api_session.c   API sessions under a limit
 *   flow/authn/authenticate.c  the Bearer header, app tokens off
 *   flow/process/bearer_users.c   warm tokens (second use on)
 *   flow/process/revocation_cache.c  the per-process revocation answer
 *   flow/process/mappers_live.c   KeygateMappers for the "bearer" alias
 *   flow/core/admit.c          the mapping and the access gate
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"
#include "tests/unit/jwt_world.h"

#include "gateway/base/str.h"
#include "sessions/revocation.h"

#include <apr_strings.h>
#include <string.h>

/* The issuer line: the world's issuer and JWKS, audience "api"; the
 * revocation answer is not kept (each request asks Redis). */
static const char *bearer_conf(apr_pool_t *pool, const char *more)
{
	kgt_world *w = kgt_world_get();

	return kg_psprintf(pool,
			   "KeygateBearerIssuer %s %s api\n"
			   "KeygateRevocationCheckInterval 0\n"
			   /* the tokens say JDoe: the user is jdoe */
			   "KeygateUsernameCase lower\n%s",
			   w->issuer, w->jwks_uri, more ? more : "");
}

/* A token of sub (preferred_username user) for audience aud, valid for
 * ttl seconds. */
static const char *token(apr_pool_t *pool, const char *sub, const char *user,
			 const char *aud, int ttl)
{
	return kgt_flow_jwt(
		pool, kg_psprintf(pool,
				  "{'iss':'ISS','aud':'%s','sub':'%s',"
				  "'preferred_username':'%s','jti':'j-%s-%d',"
				  "'email':'%s@example.org','iat':NOW-5,"
				  "'exp':NOW+%d}",
				  aud, sub, user, sub, ttl, user, ttl));
}

static kg_resp *call(kgt_flow *f, const char *tok, kg_caller *caller)
{
	kg_req *req = kgt_req(f, "GET", "/v4/projects");

	kgt_req_header(req, "Authorization",
		       apr_pstrcat(f->pool, "Bearer ", tok, NULL));
	return kgt_authenticate(
		f, kgt_loc(f, KG_UNAUTH_LOGIN, "domino-email", "email", NULL),
		req, caller);
}

static void expect_invalid(const kg_resp *resp, const char *reason)
{
	kgt_expect_fail(resp, KG_EAUTH, reason);
	assert_int_equal(kgt_status(resp), 401);
	assert_string_equal(
		kgt_resp_header(resp, "WWW-Authenticate"),
		"Bearer realm=\"keygate\", error=\"invalid_token\"");
}

static void test_a_good_token_passes_as_its_user(void **state)
{
	kgt_flow *f =
		kgt_flow_begin(state, bearer_conf(KGT_FLOW_POOL(state), NULL));
	const char *tok = token(f->pool, "u-1", "JDoe", "api", 300);
	kg_caller caller;
	kg_resp *resp;

	/* cold, then warm (remembered from the second use), then warm */
	for (int i = 0; i < 3; i++) {
		resp = call(f, tok, &caller);
		assert_int_equal(resp->action, KG_RESP_CONTINUE);
		assert_non_null(caller.user);
		assert_string_equal(caller.via, "bearer");
		assert_string_equal(caller.user->username, "jdoe");
		assert_string_equal(resp->user, "jdoe");
		assert_string_equal(
			apr_table_get(resp->backend_headers, "domino-username"),
			"jdoe");
		assert_string_equal(
			apr_table_get(resp->backend_headers, "domino-email"),
			"jdoe@example.org");
	}
	/* no token text in the log */
	assert_false(kgt_flow_logged(f, tok));
}

static void test_bad_tokens_are_401_invalid_token(void **state)
{
	kgt_flow *f =
		kgt_flow_begin(state, bearer_conf(KGT_FLOW_POOL(state), NULL));
	kgt_world *w = kgt_world_get();
	kg_caller caller;
	const char *forged = kgt_jws(
		f->pool, w->attacker, "RS256",
		"{'alg':'RS256','kid':'k1','typ':'JWT'}",
		kgt_q(f->pool, kg_psprintf(f->pool,
					   "{'iss':'%s','aud':'api','sub':'x',"
					   "'exp':%lld}",
					   w->issuer,
					   (long long)(apr_time_now() /
						       APR_USEC_PER_SEC) +
						   300)));
	const char *bad[] = {
		forged,
		token(f->pool, "u-2", "late", "api", -600), /* expired */
		token(f->pool, "u-3", "other", "web", 300), /* audience */
		kgt_flow_jwt(f->pool, "{'iss':'https://evil.example','aud':"
				      "'api','sub':'x','exp':NOW+300}"),
		"garbage",
		"a.b.c",
		"",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		kg_resp *resp = call(f, bad[i], &caller);
		if (resp->action == KG_RESP_CONTINUE)
			fail_msg("bad token %zu passed as %s", i, resp->user);
		assert_null(caller.user);
		expect_invalid(resp, "invalid_token");
	}
	assert_true(kgt_flow_logged(f, "KG-0410"));
}

static void test_a_revoked_token_is_401_token_revoked(void **state)
{
	kgt_flow *f =
		kgt_flow_begin(state, bearer_conf(KGT_FLOW_POOL(state), NULL));
	const char *tok = token(f->pool, "u-1", "jdoe", "api", 300);
	kg_caller caller;
	kg_err err = {0};

	assert_int_equal(call(f, tok, &caller)->action, KG_RESP_CONTINUE);
	assert_int_equal(call(f, tok, &caller)->action, KG_RESP_CONTINUE);
	/* revoked while warm: the next request sees it */
	assert_int_equal(kg_sess_revoke_jti(
				 f->store, f->pool, "j-u-1-300",
				 apr_time_now() / APR_USEC_PER_SEC + 300, &err),
			 KG_OK);
	expect_invalid(call(f, tok, &caller), "token_revoked");
	assert_null(caller.user);
	assert_true(kgt_flow_logged(f, "KG-0412"));
	/* a deactivated account: every token of it */
	assert_int_equal(kg_sess_account_set(f->store, f->pool,
					     kgt_world_get()->issuer, "u-9",
					     false, &err),
			 KG_OK);
	expect_invalid(
		call(f, token(f->pool, "u-9", "gone", "api", 300), &caller),
		"token_revoked");
}

static void test_a_bearer_with_redis_down_is_503(void **state)
{
	kgt_flow *f =
		kgt_flow_begin(state, bearer_conf(KGT_FLOW_POOL(state), NULL));
	const char *warm = token(f->pool, "u-1", "jdoe", "api", 300);
	kg_caller caller;
	kg_resp *resp;

	assert_int_equal(call(f, warm, &caller)->action, KG_RESP_CONTINUE);
	assert_int_equal(call(f, warm, &caller)->action, KG_RESP_CONTINUE);
	kgt_flow_stop_redis(f);
	/* a cold token and a warm one: neither passes */
	resp = call(f, token(f->pool, "u-2", "asmith", "api", 300), &caller);
	kgt_expect_fail(resp, KG_EBACKEND, "cache_unavailable");
	assert_null(caller.user);
	resp = call(f, warm, &caller);
	kgt_expect_fail(resp, KG_EBACKEND, "cache_unavailable");
	assert_int_equal(kgt_status(resp), 503);
	assert_null(kgt_resp_header(resp, "WWW-Authenticate"));
}

/* Maps claim "domino" to the gate attribute, for tokens of any issuer
 * but the login provider (alias "bearer"). */
#define GATE_MAPPERS                                                           \
	"{\"identityProviderMappers\":[{\"name\":\"gate\","                    \
	"\"identityProviderAlias\":\"bearer\",\"identityProviderMapper\":"     \
	"\"oidc-user-attribute-idp-mapper\",\"config\":{\"claim\":"            \
	"\"domino\",\"user.attribute\":\"accessforDomino\"}}]}"

static void test_the_access_gate_refuses_a_token_with_403(void **state)
{
	kgt_flow *f = kgt_flow_begin_with(
		state,
		bearer_conf(KGT_FLOW_POOL(state),
			    "KeygateAccessGate true\n"
			    "KeygateMappers @DIR@/mappers.json\n"),
		"mappers.json", GATE_MAPPERS, NULL);
	kg_caller caller;
	kg_resp *resp;

	resp = call(f, token(f->pool, "u-1", "jdoe", "api", 300), &caller);
	kgt_expect_fail(resp, KG_EDENIED, "token_denied");
	assert_int_equal(kgt_status(resp), 403);
	assert_null(caller.user);
	assert_true(kgt_flow_logged(f, "KG-0411"));
	/* the mapper file's claim-to-attribute mapper opens the gate */
	resp = call(f,
		    kgt_flow_jwt(f->pool,
				 "{'iss':'ISS','aud':'api','sub':'u-5',"
				 "'preferred_username':'gated','jti':'g5',"
				 "'domino':'true','exp':NOW+300}"),
		    &caller);
	assert_int_equal(resp->action, KG_RESP_CONTINUE);
	assert_string_equal(caller.user->username, "gated");
}

/* Username templates for two OIDC providers: first and partners. */
#define TWO_PROVIDER_MAPPERS                                                   \
	"{\"identityProviderMappers\":[{\"name\":\"u1\","                      \
	"\"identityProviderAlias\":\"first\",\"identityProviderMapper\":"      \
	"\"oidc-username-idp-mapper\",\"config\":{\"template\":"               \
	"\"${CLAIM.preferred_username}.first\"}},{\"name\":\"u2\","            \
	"\"identityProviderAlias\":\"partners\",\"identityProviderMapper\":"   \
	"\"oidc-username-idp-mapper\",\"config\":{\"template\":"               \
	"\"${CLAIM.preferred_username}.${ALIAS}\"}}]}"

/* With several OIDC providers, a bearer token goes through the mappers
 * of the provider whose issuer signed it (here the second one). */
static void test_a_token_maps_with_its_own_providers_mappers(void **state)
{
	kgt_world *w = kgt_world_get();
	kgt_flow *f = kgt_flow_begin_with(
		state,
		bearer_conf(KGT_FLOW_POOL(state),
			    kg_psprintf(KGT_FLOW_POOL(state),
					"KeygateOIDCProvider first "
					"https://first.example\n"
					"KeygateOIDCClientID c1\n"
					"KeygateOIDCClientSecret s1\n"
					"KeygateOIDCProvider partners %s\n"
					"KeygateOIDCClientID c2\n"
					"KeygateOIDCClientSecret s2\n"
					"KeygateMappers @DIR@/mappers.json\n",
					w->issuer)),
		"mappers.json", TWO_PROVIDER_MAPPERS, NULL);
	kg_caller caller;
	kg_resp *resp;

	resp = call(f, token(f->pool, "u-1", "JDoe", "api", 300), &caller);
	assert_int_equal(resp->action, KG_RESP_CONTINUE);
	assert_non_null(caller.user);
	assert_string_equal(caller.user->username, "jdoe.partners");
}

static void test_api_sessions_count_against_the_limit(void **state)
{
	kgt_flow *f = kgt_flow_begin(
		state, bearer_conf(KGT_FLOW_POOL(state),
				   "KeygateSessionLimit api user 1 deny-new "
				   "\"one token at a time\"\n"));
	const char *first = token(f->pool, "u-1", "jdoe", "api", 300);
	const char *second = token(f->pool, "u-1", "jdoe", "api", 301);
	kg_caller caller;
	kg_resp *resp;

	assert_int_equal(call(f, first, &caller)->action, KG_RESP_CONTINUE);
	assert_int_equal(kgt_flow_count(f, "jdoe"), 1);
	/* the same token again: the same session */
	assert_int_equal(call(f, first, &caller)->action, KG_RESP_CONTINUE);
	assert_int_equal(kgt_flow_count(f, "jdoe"), 1);
	/* another token of the user: over the limit */
	resp = call(f, second, &caller);
	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 403);
	assert_string_equal(resp->content_type, "application/json");
	assert_non_null(strstr(resp->body, "\"error\":\"session_limit\""));
	assert_non_null(strstr(resp->body, "one token at a time"));
	assert_null(caller.user);
	assert_true(kgt_flow_logged(f, "KG-0414"));
	assert_int_equal(kgt_flow_count(f, "jdoe"), 1);
}

static void test_an_ended_api_session_refuses_its_token(void **state)
{
	kgt_flow *f = kgt_flow_begin(
		state, bearer_conf(KGT_FLOW_POOL(state),
				   "KeygateSessionLimit api user 5\n"));
	const char *tok = token(f->pool, "u-1", "jdoe", "api", 300);
	kg_caller caller;
	kg_err err = {0};
	int killed = 0;

	assert_int_equal(call(f, tok, &caller)->action, KG_RESP_CONTINUE);
	assert_int_equal(kg_sess_admin_kill(f->store, f->pool, "jdoe", NULL,
					    apr_time_now() / 1000, &killed,
					    &err),
			 KG_OK);
	assert_int_equal(killed, 1);
	expect_invalid(call(f, tok, &caller), "token_session_ended");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_a_good_token_passes_as_its_user),
		KGT_FLOW(test_bad_tokens_are_401_invalid_token),
		KGT_FLOW(test_a_revoked_token_is_401_token_revoked),
		KGT_FLOW(test_a_bearer_with_redis_down_is_503),
		KGT_FLOW(test_the_access_gate_refuses_a_token_with_403),
		KGT_FLOW(test_a_token_maps_with_its_own_providers_mappers),
		KGT_FLOW(test_api_sessions_count_against_the_limit),
		KGT_FLOW(test_an_ended_api_session_refuses_its_token),
	};

	return KGT_RUN(tests);
}
