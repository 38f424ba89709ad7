/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the request flow without Apache, against a real
 * redis-server (flow_fixture.h): the health and session endpoints, the
 * router, and who a request is (session cookie, garbage cookie, the
 * location's unauthenticated action, an API key), with Redis up and down.
 *
 * Flow files covered:
 *   flow/gateway.c            kg_gateway_check, _open, _authenticate
 *   flow/routes.c             dispatch, 404, 405 + Allow, the '*' alias,
 *                             health, session, metrics, jwks, the prefix
 *   flow/authn/authenticate.c session, timeouts, unauth actions, API key,
 *                             Redis down
 *   flow/authn/identity.c     identity headers, cookie stripping
 *   flow/core/redirect.c      the login redirect's return path
 *   flow/core/jobs.c          the jobs run on every session (none due)
 *   flow/core/state.c         the clock, the outage log line
 *   flow/process/metrics.c    counters and their exposition
 *   flow/login/saml.c         saml/ALIAS/metadata for an unknown alias
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"

#include "gateway/base/json.h"
#include "gateway/base/metrics.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <string.h>

/* A well-formed session cookie value that no session has. */
#define UNKNOWN_COOKIE "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static void test_health_is_200_with_redis_and_503_without(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_resp *resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/health"));

	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->body, "ok\n");
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	resp = kgt_endpoint(f, kgt_req(f, "HEAD", "/keygate/health"));
	assert_int_equal(kgt_status(resp), 200);

	kgt_flow_stop_redis(f);
	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/health"));
	kgt_expect_fail(resp, KG_EBACKEND, "cache_unavailable");
	assert_int_equal(kgt_status(resp), 503);
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	assert_true(kgt_flow_logged(f, "KG-0406"));
}

/* live answers whatever Redis does; ready is JSON, 200 with Redis and
 * 503 without, naming what is wrong. */
static void test_live_and_ready_are_told_apart(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_resp *resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/ready"));

	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->content_type, "application/json");
	assert_non_null(strstr(resp->body, "{\"ready\":true,"));
	assert_non_null(strstr(resp->body, "\"redis\":{\"ok\":true}"));
	assert_non_null(strstr(resp->body, "\"mappers\":{\"ok\":true"));
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");

	kgt_flow_stop_redis(f);
	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/ready"));
	assert_int_equal(resp->status, 503);
	assert_non_null(strstr(resp->body, "{\"ready\":false,"));
	assert_non_null(strstr(resp->body, "\"redis\":{\"ok\":false,"
					   "\"error\":"));
	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/live"));
	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->body, "ok\n");
	resp = kgt_endpoint(f, kgt_req(f, "HEAD", "/keygate/live"));
	assert_int_equal(kgt_status(resp), 200);
}

static void test_router_answers_404_405_and_hands_on_the_alias(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_resp *resp;

	/* not under the prefix: not ours */
	resp = kgt_endpoint(f, kgt_req(f, "GET", "/app/health"));
	assert_int_equal(resp->action, KG_RESP_DECLINE);
	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygatex/health"));
	assert_int_equal(resp->action, KG_RESP_DECLINE);

	/* under the prefix, but no such endpoint */
	kgt_expect_fail(kgt_endpoint(f, kgt_req(f, "GET", "/keygate/nope")),
			KG_ENOTFOUND, "no_such_endpoint");
	kgt_expect_fail(kgt_endpoint(f, kgt_req(f, "GET", "/keygate/")),
			KG_ENOTFOUND, "no_such_endpoint");
	kgt_expect_fail(kgt_endpoint(f, kgt_req(f, "GET", "/keygate/health/x")),
			KG_ENOTFOUND, "no_such_endpoint");
	/* '*' is one non-empty segment */
	kgt_expect_fail(
		kgt_endpoint(f, kgt_req(f, "GET", "/keygate/saml//metadata")),
		KG_ENOTFOUND, "no_such_endpoint");
	kgt_expect_fail(kgt_endpoint(f, kgt_req(f, "GET",
						"/keygate/saml/a/b/metadata")),
			KG_ENOTFOUND, "no_such_endpoint");

	/* a method the endpoint does not take: 405 with Allow */
	resp = kgt_endpoint(f, kgt_req(f, "POST", "/keygate/health"));
	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 405);
	assert_string_equal(kgt_resp_header(resp, "Allow"), "GET HEAD");
	resp = kgt_endpoint(f, kgt_req(f, "DELETE", "/keygate/logout"));
	assert_int_equal(resp->status, 405);
	assert_string_equal(kgt_resp_header(resp, "Allow"), "GET POST");
	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/oidc/backchannel"));
	assert_int_equal(resp->status, 405);
	assert_string_equal(kgt_resp_header(resp, "Allow"), "POST");
	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/saml/corp/acs"));
	assert_int_equal(resp->status, 405);
	assert_string_equal(kgt_resp_header(resp, "Allow"), "POST");
	/* methods are case-sensitive tokens */
	resp = kgt_endpoint(f, kgt_req(f, "get", "/keygate/health"));
	assert_int_equal(resp->status, 405);

	/* the alias reaches the handler, which knows no such provider */
	kgt_expect_fail(
		kgt_endpoint(f,
			     kgt_req(f, "GET", "/keygate/saml/ALIAS/metadata")),
		KG_ENOTFOUND, "no_such_provider");
	kgt_expect_fail(
		kgt_endpoint(f, kgt_req(f, "GET", "/keygate/saml/ALIAS/login")),
		KG_ENOTFOUND, "no_such_provider");
	kgt_expect_fail(
		kgt_endpoint(f, kgt_req(f, "GET", "/keygate/saml/ALIAS/slo")),
		KG_ENOTFOUND, "no_such_provider");
	kgt_expect_fail(
		kgt_endpoint(f, kgt_req(f, "POST", "/keygate/saml/ALIAS/acs")),
		KG_ENOTFOUND, "no_such_provider");
	/* endpoints of features that are off */
	kgt_expect_fail(kgt_endpoint(f, kgt_req(f, "GET", "/keygate/jwks")),
			KG_ENOTFOUND, "no_app_tokens");
	kgt_expect_fail(kgt_endpoint(f, kgt_req(f, "GET", "/keygate/metrics")),
			KG_ENOTFOUND, "metrics_not_allowed");
	kgt_expect_fail(kgt_endpoint(f, kgt_req(f, "GET", "/keygate/login")),
			KG_ENOTFOUND, "no_login_provider");
	kgt_expect_fail(
		kgt_endpoint(f, kgt_req(f, "GET", "/keygate/oidc/callback")),
		KG_ENOTFOUND, "no_login_provider");
}

static void test_the_prefix_is_configurable(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, "KeygateEndpointPrefix /auth/gw/");

	assert_int_equal(kgt_status(kgt_endpoint(
				 f, kgt_req(f, "GET", "/auth/gw/health"))),
			 200);
	assert_int_equal(
		kgt_endpoint(f, kgt_req(f, "GET", "/keygate/health"))->action,
		KG_RESP_DECLINE);
}

static void test_session_json_is_401_without_a_session(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_req *req = kgt_req(f, "GET", "/keygate/session");
	kg_resp *resp = kgt_endpoint(f, req);

	kgt_expect_fail(resp, KG_EAUTH, "no_session");
	assert_int_equal(kgt_status(resp), 401);
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");

	/* garbage and unknown cookies are no session either */
	req = kgt_req(f, "GET", "/keygate/session");
	kgt_req_session(f, req, "garbage");
	kgt_expect_fail(kgt_endpoint(f, req), KG_EAUTH, "no_session");
	req = kgt_req(f, "GET", "/keygate/session");
	kgt_req_session(f, req, UNKNOWN_COOKIE);
	kgt_expect_fail(kgt_endpoint(f, req), KG_EAUTH, "no_session");
	/* the same cookie twice is ambiguous, so none */
	req = kgt_req(f, "GET", "/keygate/session");
	kgt_req_session(f, req, kgt_flow_session(f, "jdoe", NULL));
	kgt_req_session(f, req, UNKNOWN_COOKIE);
	kgt_expect_fail(kgt_endpoint(f, req), KG_EAUTH, "no_session");
}

static void test_session_json_shows_the_session_and_no_secret(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_record *rec = kgt_flow_record(f, "jdoe", "Practitioner",
					      "org:nyc-data", NULL);
	const char *cookie, *body;
	kg_req *req;
	kg_resp *resp;
	kg_json *json = NULL;
	kg_json_error jerr;

	rec->state.oidc_id_token = "eyJ-ID-TOKEN-SECRET";
	rec->state.oidc_access_token = "ACCESS-TOKEN-SECRET";
	rec->state.oidc_refresh_token = "REFRESH-TOKEN-SECRET";
	cookie = kgt_flow_mint(f, rec);
	req = kgt_req(f, "GET", "/keygate/session");
	kgt_req_session(f, req, cookie);
	resp = kgt_endpoint(f, req);

	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->content_type, "application/json");
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	body = resp->body;
	assert_true(kg_json_parse(f->pool, body, strlen(body),
				  KG_JSON_DEFAULT_DEPTH, &json, &jerr));
	assert_string_equal(
		kg_json_get(kg_json_get(json, "user"), "username")->str,
		"jdoe");
	assert_string_equal(kg_json_get(json, "idp")->str, "test");
	assert_string_equal(kg_json_get(json, "protocol")->str, "oidc");
	assert_string_equal(kg_json_get(json, "flow")->str, "browser");
	assert_non_null(strstr(body, "\"Practitioner\""));
	assert_non_null(strstr(body, "\"nyc-data\""));
	/* nothing secret: not the cookie, the Redis id, or any token */
	assert_null(strstr(body, cookie));
	assert_true(strlen(rec->id) > 0);
	assert_null(strstr(body, rec->id));
	assert_null(strstr(body, "SECRET"));
	assert_null(strstr(body, "eyJ"));
	/* nor in the log */
	assert_false(kgt_flow_logged(f, cookie));
}

static void test_a_session_cookie_authenticates(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	const char *cookie =
		kgt_flow_session(f, "jdoe", "SysAdmin", "org:nyc", NULL);
	kg_conf_location *loc =
		kgt_loc(f, KG_UNAUTH_401, "domino-email", "email",
			"domino-roles", "roles", "domino-orgs", "organizations",
			"domino-name", "name", NULL);
	kg_req *req = kgt_req(f, "GET", "/app/page");
	kg_caller caller;
	kg_resp *resp;

	kgt_req_cookie(req, "theme", "dark");
	kgt_req_session(f, req, cookie);
	kgt_req_cookie(req, "other", "1");
	resp = kgt_authenticate(f, loc, req, &caller);

	assert_int_equal(resp->action, KG_RESP_CONTINUE);
	assert_non_null(caller.user);
	assert_string_equal(caller.user->username, "jdoe");
	assert_string_equal(caller.via, "session");
	assert_true(caller.auth_ms > 0);
	assert_non_null(caller.session);
	assert_int_equal(strlen(caller.session), 8);
	assert_string_equal(resp->user, "jdoe");
	assert_string_equal(
		apr_table_get(resp->backend_headers, "domino-username"),
		"jdoe");
	assert_string_equal(
		apr_table_get(resp->backend_headers, "domino-email"),
		"jdoe@example.org");
	assert_string_equal(
		apr_table_get(resp->backend_headers, "domino-roles"),
		"SysAdmin");
	assert_string_equal(apr_table_get(resp->backend_headers, "domino-orgs"),
			    "nyc");
	assert_string_equal(apr_table_get(resp->backend_headers, "domino-name"),
			    "Test User");
	/* the backend never sees the session cookie; the others pass */
	assert_string_equal(apr_table_get(req->headers, "Cookie"),
			    "theme=dark; other=1");
	assert_false(kgt_flow_logged(f, cookie));

	/* and again: the same session (now maybe from the cache) */
	req = kgt_req(f, "GET", "/app/page");
	kgt_req_session(f, req, cookie);
	resp = kgt_authenticate(f, loc, req, &caller);
	assert_int_equal(resp->action, KG_RESP_CONTINUE);
	assert_string_equal(caller.user->username, "jdoe");
	/* only the session cookie: no Cookie header left at all */
	assert_null(apr_table_get(req->headers, "Cookie"));
}

/* Authenticates a request with cookie value (NULL: none) at a location
 * with unauth, asking for HTML when html. */
static kg_resp *anonymous(kgt_flow *f, const char *cookie,
			  kg_unauth_action unauth, bool html, kg_caller *caller)
{
	kg_req *req = kgt_req(f, "GET", "/app/page?x=1&y=2");

	if (cookie)
		kgt_req_session(f, req, cookie);
	if (html)
		kgt_req_header(req, "Accept",
			       "text/html,application/xhtml+xml");
	return kgt_authenticate(f, kgt_loc(f, unauth, NULL), req, caller);
}

static void test_no_or_garbage_cookie_follows_the_unauth_action(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	static const char *const cookies[] = {NULL, "garbage", "",
					      UNKNOWN_COOKIE};
	const char *login =
		"/keygate/login?return_to=%2Fapp%2Fpage%3Fx%3D1%26y%3D2";

	for (size_t i = 0; i < sizeof(cookies) / sizeof(*cookies); i++) {
		kg_caller caller;
		kg_resp *resp;

		/* auto: a browser goes to log in ... */
		resp = anonymous(f, cookies[i], KG_UNAUTH_AUTO, true, &caller);
		assert_null(caller.user);
		assert_int_equal(resp->action, KG_RESP_REPLY);
		assert_int_equal(resp->status, 302);
		assert_string_equal(kgt_resp_header(resp, "Location"), login);
		assert_string_equal(kgt_resp_header(resp, "Cache-Control"),
				    "no-store");
		/* ... an API client gets 401 */
		resp = anonymous(f, cookies[i], KG_UNAUTH_AUTO, false, &caller);
		assert_null(caller.user);
		kgt_expect_fail(resp, KG_EAUTH, "no_credentials");
		assert_string_equal(kgt_resp_header(resp, "WWW-Authenticate"),
				    "Bearer realm=\"keygate\"");
		/* unset is auto */
		resp = anonymous(f, cookies[i], KG_UNAUTH_UNSET, false,
				 &caller);
		kgt_expect_fail(resp, KG_EAUTH, "no_credentials");
		/* login: always the redirect */
		resp = anonymous(f, cookies[i], KG_UNAUTH_LOGIN, false,
				 &caller);
		assert_null(caller.user);
		assert_int_equal(resp->status, 302);
		assert_string_equal(kgt_resp_header(resp, "Location"), login);
		/* 401: even for a browser */
		resp = anonymous(f, cookies[i], KG_UNAUTH_401, true, &caller);
		assert_null(caller.user);
		kgt_expect_fail(resp, KG_EAUTH, "no_credentials");
		assert_int_equal(kgt_status(resp), 401);
		/* pass: through as Anonymous, with no identity but that */
		resp = anonymous(f, cookies[i], KG_UNAUTH_PASS, false, &caller);
		assert_int_equal(resp->action, KG_RESP_CONTINUE);
		assert_null(caller.user);
		assert_string_equal(caller.via, "anonymous");
		assert_string_equal(resp->user, "Anonymous");
		assert_string_equal(
			apr_table_get(resp->backend_headers, "domino-username"),
			"Anonymous");
		assert_int_equal(apr_table_elts(resp->backend_headers)->nelts,
				 1);
	}
}

static void test_the_login_redirect_keeps_only_a_local_path(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_req *req = kgt_req(f, "GET", "//evil.example/x");
	kg_caller caller;
	kg_resp *resp;

	resp = kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_LOGIN, NULL), req,
				&caller);
	assert_int_equal(resp->status, 302);
	assert_string_equal(kgt_resp_header(resp, "Location"),
			    "/keygate/login?return_to=%2F");
}

static void test_an_expired_session_is_ended(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_record *rec = kgt_flow_record(f, "idler", NULL);
	const char *cookie;
	kg_caller caller;
	kg_resp *resp;
	kg_req *req;

	/* a 1-second idle window, then 1.3 s without a request (the store
	 * refuses to create a session that is already over) */
	rec->idle_ms = 1000;
	cookie = kgt_flow_mint(f, rec);
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_OK);
	apr_sleep(apr_time_from_msec(1300));
	req = kgt_req(f, "GET", "/app");
	kgt_req_session(f, req, cookie);
	resp = kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_401, NULL), req,
				&caller);
	assert_null(caller.user);
	kgt_expect_fail(resp, KG_EAUTH, "no_credentials");
	/* and it is gone from Redis */
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_ENOTFOUND);
	assert_int_equal(kgt_flow_count(f, "idler"), 0);
}

/* The Redis-down checks of one gateway: a known cookie, an unknown
 * well-formed one, and the session endpoint, all 503 and never a pass,
 * even at a location that lets anonymous callers through. */
static void expect_outage(kgt_flow *f, const char *cookie)
{
	kg_conf_location *pass = kgt_loc(f, KG_UNAUTH_PASS, NULL);
	static const char *const which[] = {"known", "unknown"};

	for (int i = 0; i < 2; i++) {
		kg_req *req = kgt_req(f, "GET", "/app");
		kg_caller caller;
		kg_resp *resp;

		kgt_req_session(f, req, i == 0 ? cookie : UNKNOWN_COOKIE);
		resp = kgt_authenticate(f, pass, req, &caller);
		if (resp->action == KG_RESP_CONTINUE)
			fail_msg("%s cookie passed with Redis down (as %s)",
				 which[i], resp->user);
		assert_null(caller.user);
		kgt_expect_fail(resp, KG_EBACKEND, "cache_unavailable");
		assert_int_equal(kgt_status(resp), 503);
		req = kgt_req(f, "GET", "/keygate/session");
		kgt_req_session(f, req, i == 0 ? cookie : UNKNOWN_COOKIE);
		kgt_expect_fail(kgt_endpoint(f, req), KG_EBACKEND,
				"cache_unavailable");
	}
	assert_true(kgt_flow_logged(f, "KG-0401"));
}

static void test_redis_down_is_503_never_a_pass(void **state)
{
	/* every read goes to Redis */
	kgt_flow *f = kgt_flow_begin(state, "KeygateSessionCache 0");
	const char *cookie = kgt_flow_session(f, "jdoe", NULL);
	kg_req *req = kgt_req(f, "GET", "/app");
	kg_caller caller;

	kgt_req_session(f, req, cookie);
	assert_int_equal(kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_PASS, NULL),
					  req, &caller)
				 ->action,
			 KG_RESP_CONTINUE);
	assert_string_equal(caller.user->username, "jdoe");
	kgt_flow_stop_redis(f);
	expect_outage(f, cookie);
}

static void test_redis_down_is_503_with_a_warm_session_cache(void **state)
{
	/* the per-process cache holds the session when Redis goes away:
	 * it must not answer from it (the watch is down) */
	kgt_flow *f = kgt_flow_begin(state, "KeygateSessionCache 64");
	const char *cookie = kgt_flow_session(f, "jdoe", NULL);
	kg_conf_location *pass = kgt_loc(f, KG_UNAUTH_PASS, NULL);

	bool warm = false;

	/* until a request is answered from the cache alone (the watch
	 * subscribes in its own thread, so give it up to 5 s) */
	for (int i = 0; i < 500 && !warm; i++) {
		kg_req *req = kgt_req(f, "GET", "/app");
		kg_caller caller;
		long long before = kgt_redis_info(f, "keyspace_hits") +
				   kgt_redis_info(f, "keyspace_misses");
		kgt_req_session(f, req, cookie);
		assert_int_equal(
			kgt_authenticate(f, pass, req, &caller)->action,
			KG_RESP_CONTINUE);
		assert_string_equal(caller.user->username, "jdoe");
		warm = kgt_redis_info(f, "keyspace_hits") +
			       kgt_redis_info(f, "keyspace_misses") ==
		       before;
		if (!warm)
			apr_sleep(apr_time_from_msec(10));
	}
	assert_true(warm);
	kgt_flow_stop_redis(f);
	expect_outage(f, cookie);
}

static void test_an_api_key_is_refused_when_configured(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, "KeygateApiKey reject");
	kg_conf_location *loc = kgt_loc(f, KG_UNAUTH_LOGIN, NULL);
	kg_req *req = kgt_req(f, "GET", "/v4/projects");
	kg_caller caller;
	kg_resp *resp;

	kgt_req_header(req, "X-Domino-Api-Key", "k-123");
	resp = kgt_authenticate(f, loc, req, &caller);
	kgt_expect_fail(resp, KG_EAUTH, "api_key_refused");
	assert_string_equal(kgt_resp_header(resp, "WWW-Authenticate"),
			    "Bearer realm=\"keygate\"");
	assert_true(kgt_flow_logged(f, "KG-0413"));
	/* a session wins over the key */
	req = kgt_req(f, "GET", "/v4/projects");
	kgt_req_header(req, "X-Domino-Api-Key", "k-123");
	kgt_req_session(f, req, kgt_flow_session(f, "jdoe", NULL));
	resp = kgt_authenticate(f, loc, req, &caller);
	assert_int_equal(resp->action, KG_RESP_CONTINUE);
	assert_string_equal(caller.via, "session");
}

static void test_an_api_key_passes_untouched_by_default(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_req *req = kgt_req(f, "GET", "/v4/projects");
	kg_caller caller;
	kg_resp *resp;

	kgt_req_header(req, "X-Domino-Api-Key", "k-123");
	resp = kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_401, NULL), req,
				&caller);
	assert_int_equal(resp->action, KG_RESP_CONTINUE);
	assert_null(caller.user);
	assert_string_equal(caller.via, "api-key");
	/* no identity header: Domino checks the key itself */
	assert_int_equal(apr_table_elts(resp->backend_headers)->nelts, 0);
	assert_string_equal(apr_table_get(req->headers, "X-Domino-Api-Key"),
			    "k-123");
}

static void test_metrics_count_for_allowed_addresses_only(void **state)
{
	kgt_flow *f = kgt_flow_begin(
		state, "KeygateMetricsAllow 192.0.2.8/29 2001:db8::/32");
	kg_metrics *m = apr_pcalloc(f->pool, sizeof(*m));
	const char *cookie = kgt_flow_session(f, "jdoe", NULL);
	kg_req *req;
	kg_resp *resp;
	kg_caller caller;

	kg_gateway_set_metrics(f->gw, m);
	req = kgt_req(f, "GET", "/app");
	kgt_req_session(f, req, cookie);
	kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_401, NULL), req, &caller);
	kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_401, NULL),
			 kgt_req(f, "GET", "/app"), &caller);
	assert_int_equal(m->v[KG_M_REQ_SESSION], 1);
	assert_int_equal(m->v[KG_M_REQ_UNAUTHORIZED], 1);

	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/metrics"));
	assert_int_equal(resp->status, 200);
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	assert_non_null(strstr(resp->body, "keygate_requests_total{outcome="
					   "\"session\"} 1\n"));
	assert_non_null(strstr(resp->body, "keygate_build_info{version=\""));
	/* the session's Redis commands were timed, and Redis is up */
	assert_non_null(strstr(resp->body, "# TYPE "
					   "keygate_redis_command_duration_"
					   "seconds histogram\n"));
	assert_non_null(strstr(resp->body, "keygate_redis_command_duration_"
					   "seconds_bucket{le=\"+Inf\"} "));
	assert_non_null(strstr(resp->body, "keygate_redis_up 1\n"));
	/* the 401 is a refusal with its reason */
	assert_non_null(strstr(resp->body, "keygate_refusals_total{reason=\""));
	/* an IPv6 client inside the range */
	req = kgt_req(f, "GET", "/keygate/metrics");
	req->client_ip = "2001:db8::5";
	assert_int_equal(kgt_endpoint(f, req)->status, 200);
	/* another address: as if it did not exist */
	req = kgt_req(f, "GET", "/keygate/metrics");
	req->client_ip = "198.51.100.7";
	kgt_expect_fail(kgt_endpoint(f, req), KG_ENOTFOUND,
			"metrics_not_allowed");
	req = kgt_req(f, "GET", "/keygate/metrics");
	req->client_ip = "192.0.2.16"; /* just outside /29 */
	kgt_expect_fail(kgt_endpoint(f, req), KG_ENOTFOUND,
			"metrics_not_allowed");
	kg_gateway_set_metrics(f->gw, NULL);
}

static void test_a_bad_config_does_not_open(void **state)
{
	kgt_flow *f;
	kg_err err;

	/* the cross-directive rules of kg_gateway_check */
	assert_int_equal(kgt_flow_try(state,
				      "KeygateOIDCProvider corp "
				      "https://idp.example\n",
				      &f, &err),
			 KG_ECONFIG);
	assert_non_null(strstr(err.msg, "KeygateOIDCClientID"));
	assert_null(f->gw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_health_is_200_with_redis_and_503_without),
		KGT_FLOW(test_live_and_ready_are_told_apart),
		KGT_FLOW(test_router_answers_404_405_and_hands_on_the_alias),
		KGT_FLOW(test_the_prefix_is_configurable),
		KGT_FLOW(test_session_json_is_401_without_a_session),
		KGT_FLOW(test_session_json_shows_the_session_and_no_secret),
		KGT_FLOW(test_a_session_cookie_authenticates),
		KGT_FLOW(test_no_or_garbage_cookie_follows_the_unauth_action),
		KGT_FLOW(test_the_login_redirect_keeps_only_a_local_path),
		KGT_FLOW(test_an_expired_session_is_ended),
		KGT_FLOW(test_redis_down_is_503_never_a_pass),
		KGT_FLOW(test_redis_down_is_503_with_a_warm_session_cache),
		KGT_FLOW(test_an_api_key_passes_untouched_by_default),
		KGT_FLOW(test_an_api_key_is_refused_when_configured),
		KGT_FLOW(test_metrics_count_for_allowed_addresses_only),
		KGT_FLOW(test_a_bad_config_does_not_open),
	};

	return KGT_RUN(tests);
}
