/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: logging out, without Apache, against a real
 * redis-server (flow_fixture.h): PREFIX logout ends the session in Redis
 * and clears the cookie, lands only on a local return_to, goes to the
 * OIDC provider's end_session_endpoint for an OIDC session, and fails
 * closed when Redis is down; OIDC back-channel logout ends the sessions a
 * signed logout token names, once.
 *
 * Flow files covered:
 *   flow/logout/local.c       PREFIX logout, all its branches but SAML
 *   flow/logout/oidc.c        PREFIX oidc/backchannel
 *   flow/logout/saml.c        kg_logout_saml_start declining a non-SAML
 *                             session; saml/ALIAS/slo for an unknown alias
 *   flow/core/redirect.c      the open-redirect guard on return_to
 *   flow/core/reply.c         the back-channel refusals
 *   flow/authn/authenticate.c kg_authn_session (the session logged out)
 *   flow/routes.c             logout, oidc/backchannel
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"
#include "tests/unit/jwt_world.h"

#include "gateway/base/str.h"
#include "sessions/tags.h"

#include <apr_strings.h>
#include <string.h>

/* GET PREFIX logout with return_to (NULL: none) and cookie (NULL: none). */
static kg_resp *logout(kgt_flow *f, const char *method, const char *back,
		       const char *cookie)
{
	kg_req *req = kgt_req(
		f, method,
		back ? apr_pstrcat(f->pool, "/keygate/logout?return_to=",
				   kg_str_url_encode(f->pool, back), NULL)
		     : "/keygate/logout");

	if (cookie)
		kgt_req_session(f, req, cookie);
	return kgt_endpoint(f, req);
}

/* The response clears the session cookie. */
static void expect_cookie_cleared(kgt_flow *f, const kg_resp *resp)
{
	const char *set = kgt_set_cookie(resp, "keygate_session");

	assert_non_null(set);
	assert_string_equal(kgt_cookie_value(f->pool, set), "");
	assert_non_null(strstr(set, "Max-Age=0"));
	assert_non_null(strstr(set, "Path=/"));
	assert_non_null(strstr(set, "HttpOnly"));
}

/* Does cookie still authenticate a request through the gateway? */
static bool still_works(kgt_flow *f, const char *cookie)
{
	kg_req *req = kgt_req(f, "GET", "/app");
	kg_caller caller;

	kgt_req_session(f, req, cookie);
	return kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_401, NULL), req,
				&caller)
		       ->action == KG_RESP_CONTINUE;
}

static void test_logout_ends_the_session_and_clears_the_cookie(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	const char *cookie = kgt_flow_session(f, "jdoe", NULL);
	const char *other = kgt_flow_session(f, "jdoe", NULL);
	kg_resp *resp;

	/* warm the process's session cache with it first */
	assert_true(still_works(f, cookie));
	assert_true(still_works(f, cookie));
	assert_int_equal(kgt_flow_count(f, "jdoe"), 2);

	resp = logout(f, "GET", "/projects?tab=files", cookie);
	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 302);
	assert_string_equal(kgt_resp_header(resp, "Location"),
			    "/projects?tab=files");
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	expect_cookie_cleared(f, resp);

	/* gone from Redis, and from this gateway */
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_ENOTFOUND);
	assert_int_equal(kgt_flow_count(f, "jdoe"), 1);
	assert_false(still_works(f, cookie));
	/* the user's other session is untouched */
	assert_int_equal(kgt_flow_lookup(f, other, NULL), KG_OK);
	assert_true(still_works(f, other));
	/* the audit line names no cookie */
	assert_false(kgt_flow_logged(f, cookie));

	/* POST works as well, and without return_to it lands on the
	 * signed-out page */
	resp = logout(f, "POST", NULL, other);
	assert_int_equal(resp->status, 302);
	assert_string_equal(kgt_resp_header(resp, "Location"),
			    "/keygate/signed-out");
	expect_cookie_cleared(f, resp);
	assert_int_equal(kgt_flow_count(f, "jdoe"), 0);
}

static void test_logout_without_a_session_still_clears(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	static const char *const cookies[] = {
		NULL, "garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};

	for (size_t i = 0; i < sizeof(cookies) / sizeof(*cookies); i++) {
		kg_resp *resp = logout(f, "GET", "/home", cookies[i]);
		assert_int_equal(resp->status, 302);
		assert_string_equal(kgt_resp_header(resp, "Location"), "/home");
		expect_cookie_cleared(f, resp);
	}
	/* logging out twice is fine */
	{
		const char *cookie = kgt_flow_session(f, "jdoe", NULL);
		assert_int_equal(logout(f, "GET", NULL, cookie)->status, 302);
		assert_int_equal(logout(f, "GET", NULL, cookie)->status, 302);
		assert_int_equal(kgt_flow_count(f, "jdoe"), 0);
	}
}

static void test_logout_return_to_is_guarded(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	/* the open-redirect payloads of security.md §4 (as decoded from the
	 * query; logout() encodes them) */
	static const char *const evil[] = {
		"https://evil.example/",
		"http://evil.example",
		"//evil.example/x",
		"///evil.example",
		"/\\evil.example",
		"\\\\evil.example",
		"/%2Fevil.example",
		"/%2F%2Fevil.example",
		"/%252F%252Fevil.example",
		"/%5Cevil.example",
		"%2F%2Fevil.example",
		"javascript:alert(1)",
		"evil.example",
		"/ok\r\nSet-Cookie: a=b",
		"/ok%0d%0aSet-Cookie:%20a=b",
		"/%09/evil.example",
		"",
	};

	for (size_t i = 0; i < sizeof(evil) / sizeof(*evil); i++) {
		const char *cookie = kgt_flow_session(f, "jdoe", NULL);
		kg_resp *resp =
			logout(f, i % 2 ? "POST" : "GET", evil[i], cookie);
		const char *loc = kgt_resp_header(resp, "Location");
		if (resp->status != 302 || loc == NULL || strcmp(loc, "/") != 0)
			fail_msg("return_to \"%s\": status %d, Location %s",
				 evil[i], resp->status, loc ? loc : "(none)");
		/* the session ends all the same */
		assert_int_equal(kgt_flow_lookup(f, cookie, NULL),
				 KG_ENOTFOUND);
		expect_cookie_cleared(f, resp);
	}
	assert_true(kgt_flow_logged(f, "KG-0403"));
	/* local ones stay */
	assert_string_equal(
		kgt_resp_header(logout(f, "GET", "/a/b?c=d#e", NULL),
				"Location"),
		"/a/b?c=d#e");
}

static void test_logout_with_redis_down_is_503(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	const char *cookie = kgt_flow_session(f, "jdoe", NULL);
	kg_resp *resp;

	kgt_flow_stop_redis(f);
	resp = logout(f, "GET", "/home", cookie);
	kgt_expect_fail(resp, KG_EBACKEND, "cache_unavailable");
	assert_int_equal(kgt_status(resp), 503);
	/* the browser keeps its cookie: the session was not ended */
	assert_null(kgt_set_cookie(resp, "keygate_session"));
	assert_null(kgt_resp_header(resp, "Location"));
}

static void test_an_oidc_session_logs_out_at_the_provider(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, kgt_flow_oidc_conf());
	kgt_world *w = kgt_world_get();
	kg_sess_record *rec = kgt_flow_record(f, "jdoe", NULL);
	const char *cookie, *loc;
	kg_resp *resp;

	rec->idp = "corp";
	rec->state.oidc_id_token = "the.id.token";
	cookie = kgt_flow_mint(f, rec);
	resp = logout(f, "GET", "/after", cookie);
	assert_int_equal(resp->status, 302);
	loc = kgt_resp_header(resp, "Location");
	assert_non_null(loc);
	/* the discovery document's end_session_endpoint */
	if (strncmp(loc, apr_pstrcat(f->pool, w->issuer, "/logout?", NULL),
		    strlen(w->issuer) + 8) != 0)
		fail_msg("Location %s", loc);
	assert_non_null(strstr(loc, "id_token_hint=the.id.token"));
	if (strcasestr(loc,
		       "post_logout_redirect_uri=https%3A%2F%2F" KGT_FLOW_HOST
		       "%2Fafter") == NULL)
		fail_msg("Location %s", loc);
	expect_cookie_cleared(f, resp);
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_ENOTFOUND);

	/* a session of another protocol does not go there */
	rec = kgt_flow_record(f, "jdoe", NULL);
	rec->protocol = "saml";
	rec->idp = "corp";
	rec->state.saml_name_id = "jdoe@corp";
	cookie = kgt_flow_mint(f, rec);
	resp = logout(f, "GET", "/after", cookie);
	assert_string_equal(kgt_resp_header(resp, "Location"), "/after");
}

/* Tags the session of cookie with the OIDC sid and sub, as the login
 * callback does. */
static void tag(kgt_flow *f, const char *cookie, const char *sid,
		const char *sub)
{
	kgt_world *w = kgt_world_get();
	kg_sess_record *rec;
	kg_err err = {0};

	assert_int_equal(kgt_flow_lookup(f, cookie, &rec), KG_OK);
	assert_int_equal(
		kg_sess_tag_add(f->store, f->pool,
				kg_sess_tag_oidc_sid(f->pool, w->issuer, sid),
				rec->id, rec->expires_ms, &err),
		KG_OK);
	assert_int_equal(
		kg_sess_tag_add(f->store, f->pool,
				kg_sess_tag_oidc_sub(f->pool, w->issuer, sub),
				rec->id, rec->expires_ms, &err),
		KG_OK);
}

static kg_resp *backchannel(kgt_flow *f, const char *token)
{
	kg_req *req = kgt_req(f, "POST", "/keygate/oidc/backchannel");

	kgt_req_body(req, "application/x-www-form-urlencoded",
		     token ? apr_pstrcat(f->pool, "logout_token=",
					 kg_str_url_encode(f->pool, token),
					 NULL)
			   : "other=1");
	return kgt_endpoint(f, req);
}

#define EVENT                                                                  \
	"'events':{'http://schemas.openid.net/event/backchannel-logout':{}}"

static void test_backchannel_logout_ends_the_named_sessions(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, kgt_flow_oidc_conf());
	const char *a = kgt_flow_session(f, "jdoe", NULL);
	const char *b = kgt_flow_session(f, "jdoe", NULL);
	const char *c = kgt_flow_session(f, "asmith", NULL);
	const char *by_sid, *by_sub;
	kg_resp *resp;

	tag(f, a, "sid-1", "sub-jdoe");
	tag(f, b, "sid-2", "sub-jdoe");
	tag(f, c, "sid-3", "sub-asmith");
	assert_true(still_works(f, a)); /* cached now */

	/* by sid: the one session */
	by_sid =
		kgt_flow_jwt(f->pool, "{'iss':'ISS','aud':'client','iat':NOW-0,"
				      "'jti':'bc-1','sid':'sid-1'," EVENT "}");
	resp = backchannel(f, by_sid);
	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 200);
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	assert_int_equal(kgt_flow_lookup(f, a, NULL), KG_ENOTFOUND);
	assert_false(still_works(f, a));
	assert_int_equal(kgt_flow_lookup(f, b, NULL), KG_OK);
	/* a replayed token does nothing more */
	resp = backchannel(f, by_sid);
	kgt_expect_fail(resp, KG_EINVAL, "oidc_logout_token");
	assert_int_equal(kgt_status(resp), 400);

	/* by sub: every session of the user */
	by_sub = kgt_flow_jwt(f->pool,
			      "{'iss':'ISS','aud':'client','iat':NOW-0,"
			      "'jti':'bc-2','sub':'sub-jdoe'," EVENT "}");
	assert_int_equal(backchannel(f, by_sub)->status, 200);
	assert_int_equal(kgt_flow_count(f, "jdoe"), 0);
	assert_int_equal(kgt_flow_lookup(f, c, NULL), KG_OK);
	assert_true(kgt_flow_logged(f, "KG-0522"));
}

static void test_backchannel_refuses_bad_tokens(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, kgt_flow_oidc_conf());
	const char *c = kgt_flow_session(f, "jdoe", NULL);
	static const char *const bad[] = {
		/* no event */
		"{'iss':'ISS','aud':'client','iat':NOW-0,'jti':'x1','sid':'s'}",
		/* a nonce */
		"{'iss':'ISS','aud':'client','iat':NOW-0,'jti':'x2','sid':'s',"
		"'nonce':'n'," EVENT "}",
		/* no jti */
		"{'iss':'ISS','aud':'client','iat':NOW-0,'sid':'s'," EVENT "}",
		/* neither sid nor sub */
		"{'iss':'ISS','aud':'client','iat':NOW-0,'jti':'x3'," EVENT "}",
		/* another audience */
		"{'iss':'ISS','aud':'other','iat':NOW-0,'jti':'x4','sid':'s'"
		"," EVENT "}",
		/* another issuer */
		"{'iss':'https://evil.example','aud':'client','iat':NOW-0,"
		"'jti':'x5','sid':'s'," EVENT "}",
	};
	kg_resp *resp;

	tag(f, c, "s", "sub-jdoe");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		resp = backchannel(f, kgt_flow_jwt(f->pool, bad[i]));
		if (resp->action != KG_RESP_FAIL || resp->rc != KG_EINVAL)
			fail_msg("token %zu: action %d rc %d", i,
				 (int)resp->action, (int)resp->rc);
		assert_string_equal(resp->reason, "oidc_logout_token");
	}
	/* not a JWT at all, and no token */
	kgt_expect_fail(backchannel(f, "garbage"), KG_EINVAL,
			"oidc_logout_token");
	kgt_expect_fail(backchannel(f, NULL), KG_EINVAL, "oidc_logout_token");
	assert_true(kgt_flow_logged(f, "KG-0520"));
	/* the session lives on */
	assert_int_equal(kgt_flow_lookup(f, c, NULL), KG_OK);
}

static void test_backchannel_with_redis_down_is_503(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, kgt_flow_oidc_conf());
	const char *tok =
		kgt_flow_jwt(f->pool, "{'iss':'ISS','aud':'client','iat':NOW-0,"
				      "'jti':'bc-9','sid':'s'," EVENT "}");

	kgt_flow_stop_redis(f);
	kgt_expect_fail(backchannel(f, tok), KG_EBACKEND, "oidc_logout_token");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_logout_ends_the_session_and_clears_the_cookie),
		KGT_FLOW(test_logout_without_a_session_still_clears),
		KGT_FLOW(test_logout_return_to_is_guarded),
		KGT_FLOW(test_logout_with_redis_down_is_503),
		KGT_FLOW(test_an_oidc_session_logs_out_at_the_provider),
		KGT_FLOW(test_backchannel_logout_ends_the_named_sessions),
		KGT_FLOW(test_backchannel_refuses_bad_tokens),
		KGT_FLOW(test_backchannel_with_redis_down_is_503),
	};

	return KGT_RUN(tests);
}
