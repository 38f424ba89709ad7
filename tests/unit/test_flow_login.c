/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the OIDC login without Apache, against a real
 * redis-server (flow_fixture.h) and the loopback provider of
 * jwt_world.h: PREFIX login starts the code flow (PKCE, state, nonce in
 * a sealed cookie), the callback refuses what it must and finishes a
 * good login with a fresh session (ending the one the browser had), once;
 * a session whose access token is due is refreshed on its next request,
 * or ended when the provider refuses (KeygateOIDCRefreshFailure logout).
 *
 * Flow files covered:
 *   flow/login/oidc.c          login start, callback and its refusals
 *   flow/login/state.c         the login-state cookie: set, read, clear
 *   flow/login/finish.c        mapping, gate, session, fixation, no mappers
 *   flow/core/admit.c          the mapping and the access gate at login
 *   flow/core/reply.c          the callback refusals, the denial page
 *   flow/core/jobs.c           the refresh job under the Redis lock
 *   flow/authn/oidc_refresh.c  refresh kept, refreshed, refused
 *   flow/process/mappers_live.c the mapper file
 *   flow/routes.c              login, oidc/callback
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"
#include "tests/unit/jwt_world.h"

#include "gateway/base/str.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <string.h>

#define MAPPERS "{\"identityProviderMappers\":[]}"
#define CALLBACK "https://" KGT_FLOW_HOST "/keygate/oidc/callback"

static kgt_flow *begin(void **state, const char *more)
{
	return kgt_flow_begin_with(
		state,
		apr_pstrcat(KGT_FLOW_POOL(state), kgt_flow_oidc_conf(),
			    "KeygateMappers @DIR@/mappers.json\n"
			    /* the provider says JDoe: stored as jdoe */
			    "KeygateUsernameCase lower\n",
			    more ? more : "", NULL),
		"mappers.json", MAPPERS, NULL);
}

/* The decoded value of name in url's query, or NULL. */
static const char *url_param(apr_pool_t *pool, const char *url,
			     const char *name)
{
	kg_req req = {.pool = pool};
	const char *q = strchr(url, '?');

	req.query = q ? q + 1 : NULL;
	return kg_req_param(&req, name);
}

/* A login started at PREFIX login?return_to=back. */
typedef struct {
	const char *state, *nonce;
	const char *cookie_name, *cookie_value; /* the login-state cookie */
} login;

static login start_at(kgt_flow *f, const char *path, const char *callback_uri);

static login start(kgt_flow *f, const char *back)
{
	return start_at(f,
			apr_pstrcat(f->pool, "/keygate/login?return_to=",
				    kg_str_url_encode(f->pool, back), NULL),
			CALLBACK);
}

/* A login started at path, whose redirect URI must be callback_uri. */
static login start_at(kgt_flow *f, const char *path, const char *callback_uri)
{
	kgt_world *w = kgt_world_get();
	long long sessions = kgt_flow_count(f, NULL);
	kg_resp *resp = kgt_endpoint(f, kgt_req(f, "GET", path));
	const char *loc = kgt_resp_header(resp, "Location"), *set;
	login l;

	if (resp->status != 302 || loc == NULL ||
	    strncmp(loc, apr_pstrcat(f->pool, w->issuer, "/auth?", NULL),
		    strlen(w->issuer) + 6) != 0)
		fail_msg("login start: status %d Location %s (%s)",
			 resp->status, loc ? loc : "-",
			 resp->reason ? resp->reason : "-");
	assert_string_equal(url_param(f->pool, loc, "response_type"), "code");
	assert_string_equal(url_param(f->pool, loc, "client_id"), "client");
	assert_string_equal(url_param(f->pool, loc, "redirect_uri"),
			    callback_uri);
	assert_string_equal(url_param(f->pool, loc, "code_challenge_method"),
			    "S256");
	assert_non_null(url_param(f->pool, loc, "code_challenge"));
	/* the return path stays with keygate */
	assert_null(strstr(loc, "return_to"));
	l.state = url_param(f->pool, loc, "state");
	l.nonce = url_param(f->pool, loc, "nonce");
	assert_non_null(l.state);
	assert_non_null(l.nonce);
	l.cookie_name = apr_pstrcat(f->pool, "keygate_login_",
				    apr_pstrndup(f->pool, l.state, 16), NULL);
	set = kgt_set_cookie(resp, l.cookie_name);
	assert_non_null(set);
	assert_non_null(strstr(set, "HttpOnly"));
	assert_non_null(strstr(set, "Secure"));
	l.cookie_value = kgt_cookie_value(f->pool, set);
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	/* nothing in Redis before the provider answers */
	assert_int_equal(kgt_flow_count(f, NULL), sessions);
	return l;
}

/* The provider's token endpoint answers with an ID token for nonce
 * (extra claims appended, ' for "). */
static void provider_answers(kgt_flow *f, const char *nonce, const char *extra)
{
	const char *id = kgt_flow_jwt(
		f->pool,
		kg_psprintf(f->pool,
			    "{'iss':'ISS','aud':'client','sub':'u-1',"
			    "'sid':'sid-1','nonce':'%s','iat':NOW-1,"
			    "'exp':NOW+300,'preferred_username':'JDoe',"
			    "'email':'jdoe@example.org'%s}",
			    nonce, extra ? extra : ""));

	kgt_http_route(kgt_world_get()->http, "/token", 200, "application/json",
		       kg_psprintf(f->pool,
				   "{\"access_token\":\"at-1\",\"token_type\":"
				   "\"Bearer\",\"expires_in\":300,"
				   "\"refresh_token\":\"rt-1\",\"id_token\":"
				   "\"%s\"}",
				   id));
}

/* GET the callback with code and state, the login cookie (when l) and a
 * session cookie (when given). */
static kg_resp *callback(kgt_flow *f, const login *l, const char *query,
			 const char *session)
{
	kg_req *req = kgt_req(
		f, "GET",
		apr_pstrcat(f->pool, "/keygate/oidc/callback?", query, NULL));

	if (l)
		kgt_req_cookie(req, l->cookie_name, l->cookie_value);
	if (session)
		kgt_req_session(f, req, session);
	return kgt_endpoint(f, req);
}

static const char *query_of(kgt_flow *f, const login *l)
{
	return apr_pstrcat(f->pool, "code=c-1&state=", l->state, NULL);
}

static void test_a_login_makes_a_new_session(void **state)
{
	kgt_flow *f = begin(state, NULL);
	const char *old = kgt_flow_session(f, "jdoe", NULL);
	login l = start(f, "/projects?tab=1");
	const char *set, *cookie;
	kg_sess_record *rec;
	kg_caller caller;
	kg_resp *resp;
	kg_req *req;

	provider_answers(f, l.nonce, NULL);
	resp = callback(f, &l, query_of(f, &l), old);
	if (resp->status != 302)
		fail_msg("callback: action %d status %d reason %s\n%s",
			 (int)resp->action, resp->status,
			 resp->reason ? resp->reason : "-",
			 kgt_flow_log_text(f));
	assert_string_equal(kgt_resp_header(resp, "Location"),
			    "/projects?tab=1");
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	/* the login cookie is cleared, the session cookie set (no Max-Age:
	 * a browser-session cookie) */
	set = kgt_set_cookie(resp, l.cookie_name);
	assert_non_null(set);
	assert_string_equal(kgt_cookie_value(f->pool, set), "");
	set = kgt_set_cookie(resp, "keygate_session");
	assert_non_null(set);
	assert_null(strstr(set, "Max-Age"));
	cookie = kgt_cookie_value(f->pool, set);
	assert_int_equal(strlen(cookie), 43);
	assert_string_not_equal(cookie, old);
	/* the session the browser brought is ended (fixation) */
	assert_int_equal(kgt_flow_lookup(f, old, NULL), KG_ENOTFOUND);
	assert_int_equal(kgt_flow_count(f, "jdoe"), 1);
	/* the new one is the mapped user's, with the provider's tokens */
	assert_int_equal(kgt_flow_lookup(f, cookie, &rec), KG_OK);
	assert_string_equal(rec->user->username, "jdoe");
	assert_string_equal(rec->idp, "corp");
	assert_string_equal(rec->protocol, "oidc");
	assert_int_equal(rec->flow, KG_FLOW_SSO);
	assert_string_equal(rec->state.oidc_access_token, "at-1");
	assert_string_equal(rec->state.oidc_refresh_token, "rt-1");
	req = kgt_req(f, "GET", "/app");
	kgt_req_session(f, req, cookie);
	resp = kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_401, NULL), req,
				&caller);
	assert_int_equal(resp->action, KG_RESP_CONTINUE);
	assert_string_equal(caller.user->username, "jdoe");
	assert_true(kgt_flow_logged(f, "KG-0500"));
	assert_false(kgt_flow_logged(f, cookie));

	/* the same callback again (the cookie kept): refused, no session */
	resp = callback(f, &l, query_of(f, &l), NULL);
	kgt_expect_fail(resp, KG_EINVAL, "oidc_state");
	assert_int_equal(kgt_flow_count(f, "jdoe"), 1);
}

static void test_the_callback_refuses_what_it_must(void **state)
{
	kgt_flow *f = begin(state, NULL);
	login l = start(f, "/"), other = start(f, "/");
	kg_resp *resp;

	/* the provider says no */
	resp = callback(f, &l, "error=access_denied&state=x", NULL);
	kgt_expect_fail(resp, KG_EAUTH, "oidc_error");
	/* no login cookie for this state, or another login's */
	kgt_expect_fail(callback(f, NULL, query_of(f, &l), NULL), KG_EINVAL,
			"oidc_state");
	kgt_expect_fail(callback(f, &other, query_of(f, &l), NULL), KG_EINVAL,
			"oidc_state");
	kgt_expect_fail(callback(f, &l, "code=c-1", NULL), KG_EINVAL,
			"oidc_state");
	/* no code (the state is used up by it) */
	resp = callback(f, &l, apr_pstrcat(f->pool, "state=", l.state, NULL),
			NULL);
	kgt_expect_fail(resp, KG_EINVAL, "oidc_code");
	assert_non_null(kgt_set_cookie(resp, l.cookie_name));
	/* an ID token for another login's nonce */
	provider_answers(f, l.nonce, NULL);
	resp = callback(f, &other, query_of(f, &other), NULL);
	assert_int_equal(resp->action, KG_RESP_FAIL);
	assert_int_equal(kgt_status(resp), 401);
	assert_string_equal(resp->reason, "oidc_token");
	assert_true(kgt_flow_logged(f, "KG-0511"));
	assert_int_equal(kgt_flow_count(f, NULL), 0);
}

static void test_the_callback_with_redis_down_is_503(void **state)
{
	kgt_flow *f = begin(state, NULL);
	login l = start(f, "/");

	provider_answers(f, l.nonce, NULL);
	kgt_flow_stop_redis(f);
	kgt_expect_fail(callback(f, &l, query_of(f, &l), NULL), KG_EBACKEND,
			"cache_unavailable");
}

/* The reference id a refusal page shows (8 characters). */
static const char *page_reference(kgt_flow *f, const kg_resp *resp)
{
	const char *at = strstr(resp->body, "<code id=\"reference\">");

	assert_non_null(at);
	at += strlen("<code id=\"reference\">");
	assert_int_equal(strcspn(at, "<"), 8);
	return apr_pstrndup(f->pool, at, 8);
}

static void test_the_gate_denies_a_login_with_a_page(void **state)
{
	kgt_flow *f = begin(state, "KeygateAccessGate true\n"
				   "KeygateAccessGateMessage \"Ask <IT>\"\n");
	login l = start(f, "/");
	kg_resp *resp;

	provider_answers(f, l.nonce, NULL);
	resp = callback(f, &l, query_of(f, &l), NULL);
	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 403);
	assert_string_equal(resp->content_type, "text/html; charset=utf-8");
	assert_non_null(strstr(resp->body, "Ask &lt;IT&gt;"));
	/* "Sign in as someone else" asks for a fresh authentication */
	assert_non_null(strstr(resp->body, "href=\"/keygate/login?return_to="
					   "%2F&amp;prompt=login\""));
	assert_null(kgt_set_cookie(resp, "keygate_session"));
	assert_int_equal(kgt_flow_count(f, NULL), 0);
	assert_true(kgt_flow_logged(f, "KG-0503"));
	/* the page's reference is the audit line's */
	assert_true(kgt_flow_logged(
		f,
		apr_pstrcat(f->pool, " ref=", page_reference(f, resp), NULL)));
}

/* The prompt parameter of the authorization request that PREFIX path
 * redirects to, or NULL when it has none. */
static const char *prompt_sent(kgt_flow *f, const char *path)
{
	kg_resp *resp = kgt_endpoint(f, kgt_req(f, "GET", path));
	const char *loc = kgt_resp_header(resp, "Location");

	if (resp->status != 302 || loc == NULL)
		fail_msg("%s: status %d", path, resp->status);
	assert_non_null(url_param(f->pool, loc, "state"));
	assert_non_null(url_param(f->pool, loc, "nonce"));
	assert_non_null(url_param(f->pool, loc, "code_challenge"));
	return url_param(f->pool, loc, "prompt");
}

/* PREFIX login?prompt=login asks the provider for a fresh
 * authentication (prompt=login); nothing else is ever passed on. */
static void test_prompt_login_asks_for_a_fresh_authentication(void **state)
{
	kgt_flow *f = begin(state, NULL);
	static const char *const hostile[] = {
		"none",		 "consent",  "LOGIN",	       "login%20",
		"login%26x%3D1", "login%00", "select_account",
	};

	assert_null(prompt_sent(f, "/keygate/login?return_to=%2F"));
	assert_string_equal(
		prompt_sent(f, "/keygate/login?prompt=login&return_to=%2F"),
		"login");
	assert_string_equal(
		prompt_sent(f, "/keygate/oidc/corp/login?prompt=login"),
		"login");
	/* a hint keeps it */
	assert_string_equal(
		prompt_sent(f, "/keygate/login?kc_idp_hint=corp&prompt=login"),
		"login");
	for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
		const char *path = apr_pstrcat(
			f->pool, "/keygate/login?prompt=", hostile[i], NULL);
		kg_resp *resp = kgt_endpoint(f, kgt_req(f, "GET", path));
		const char *loc = kgt_resp_header(resp, "Location");

		assert_int_equal(resp->status, 302);
		assert_null(url_param(f->pool, loc, "prompt"));
		assert_null(url_param(f->pool, loc, "x"));
	}
}

/* Without KeygateMappers a login goes on under the provider's username
 * (preferred_username), as Keycloak does with no mappers. */
static void
test_no_mapper_file_signs_in_under_the_provider_username(void **state)
{
	kgt_flow *f = kgt_flow_begin(
		state, apr_pstrcat(KGT_FLOW_POOL(state), kgt_flow_oidc_conf(),
				   "KeygateUsernameCase lower\n", NULL));
	login l = start(f, "/");
	kg_sess_record *rec;
	kg_resp *resp;

	provider_answers(f, l.nonce, NULL);
	resp = callback(f, &l, query_of(f, &l), NULL);
	if (resp->status != 302)
		fail_msg("callback: status %d reason %s\n%s", resp->status,
			 resp->reason ? resp->reason : "-",
			 kgt_flow_log_text(f));
	assert_int_equal(
		kgt_flow_lookup(
			f,
			kgt_cookie_value(f->pool,
					 kgt_set_cookie(resp, "keygate_"
							      "session")),
			&rec),
		KG_OK);
	assert_string_equal(rec->user->username, "jdoe");
	assert_string_equal(rec->idp, "corp");
	assert_true(kgt_flow_logged(f, "KG-0500"));
}

/* GET callback path ?query with l's login cookie. */
static kg_resp *callback_at(kgt_flow *f, const login *l, const char *path,
			    const char *query)
{
	kg_req *req =
		kgt_req(f, "GET", apr_pstrcat(f->pool, path, "?", query, NULL));

	kgt_req_cookie(req, l->cookie_name, l->cookie_value);
	return kgt_endpoint(f, req);
}

/* A second OIDC provider has its own paths, and its login's state is
 * good only on its own callback (no mix-up with the first provider). */
static void test_a_second_provider_has_its_own_paths(void **state)
{
	kgt_world *w = kgt_world_get();
	kgt_flow *f =
		begin(state, kg_psprintf(KGT_FLOW_POOL(state),
					 "KeygateLoginProvider corp\n"
					 "KeygateOIDCProvider other %s\n"
					 "KeygateOIDCClientID client\n"
					 "KeygateOIDCClientSecret s3cret\n",
					 w->issuer));
	login l = start_at(f, "/keygate/oidc/other/login?return_to=%2Fx",
			   "https://" KGT_FLOW_HOST
			   "/keygate/oidc/other/callback");
	kg_sess_record *rec;
	kg_resp *resp;

	provider_answers(f, l.nonce, NULL);
	kgt_expect_fail(
		callback_at(f, &l, "/keygate/oidc/callback", query_of(f, &l)),
		KG_EINVAL, "oidc_state");
	assert_true(kgt_flow_logged(f, "the login went to provider other, "
				       "the callback came for corp"));
	kgt_expect_fail(callback_at(f, &l, "/keygate/oidc/nobody/callback",
				    query_of(f, &l)),
			KG_ENOTFOUND, "no_login_provider");
	/* an answer that names another issuer (RFC 9207) */
	kgt_expect_fail(
		callback_at(f, &l, "/keygate/oidc/other/callback",
			    apr_pstrcat(f->pool, query_of(f, &l),
					"&iss=https%3A%2F%2Fevil", NULL)),
		KG_EINVAL, "oidc_state");
	resp = callback_at(f, &l, "/keygate/oidc/other/callback",
			   query_of(f, &l));
	if (resp->status != 302)
		fail_msg("callback: status %d reason %s\n%s", resp->status,
			 resp->reason ? resp->reason : "-",
			 kgt_flow_log_text(f));
	assert_string_equal(kgt_resp_header(resp, "Location"), "/x");
	assert_int_equal(
		kgt_flow_lookup(
			f,
			kgt_cookie_value(f->pool,
					 kgt_set_cookie(resp, "keygate_"
							      "session")),
			&rec),
		KG_OK);
	assert_string_equal(rec->idp, "other");
	/* PREFIX login still goes to the first provider */
	start(f, "/");
}

/* The browser flow's limit applies to a login the gateway started, with
 * the sso flow's: the stricter wins, and the log names the flow. */
static void test_the_browser_flow_limit_applies(void **state)
{
	kgt_flow *f = begin(state, "KeygateSessionLimit browser user 1 "
				   "deny-new \"One browser session\"\n"
				   "KeygateSessionLimit sso user 3\n");
	login l = start(f, "/");
	kg_resp *resp;

	kgt_flow_session(f, "jdoe", NULL);
	provider_answers(f, l.nonce, NULL);
	resp = callback(f, &l, query_of(f, &l), NULL);
	assert_int_equal(resp->status, 403);
	assert_non_null(strstr(resp->body, "One browser session"));
	assert_true(kgt_flow_logged(
		f, apr_pstrcat(f->pool,
			       "reason=session_limit limit=user flow=browser "
			       "ref=",
			       page_reference(f, resp), NULL)));
}

/* A provider's own limit replaces the sso flow's. */
static void test_a_provider_limit_replaces_the_sso_limit(void **state)
{
	kgt_flow *f = begin(state, "KeygateSessionLimit sso user 1\n"
				   "KeygateProviderSessionLimit corp user 2 "
				   "deny-new \"Two for corp\"\n");
	login l = start(f, "/");
	kg_resp *resp;

	kgt_flow_session(f, "jdoe", NULL);
	provider_answers(f, l.nonce, NULL);
	resp = callback(f, &l, query_of(f, &l), NULL);
	assert_int_equal(resp->status, 302);
	assert_int_equal(kgt_flow_count(f, "jdoe"), 2);
	l = start(f, "/");
	provider_answers(f, l.nonce, NULL);
	resp = callback(f, &l, query_of(f, &l), NULL);
	assert_int_equal(resp->status, 403);
	assert_non_null(strstr(resp->body, "Two for corp"));
	assert_true(kgt_flow_logged(f, "limit=user flow=provider"));
}

/* A live OIDC session of jdoe whose access token expired a second ago. */
static const char *due_session(kgt_flow *f)
{
	kg_sess_record *rec = kgt_flow_record(f, "jdoe", NULL);

	rec->idp = "corp";
	rec->state.oidc_access_token = "at-old";
	rec->state.oidc_refresh_token = "rt-old";
	rec->state.oidc_access_expires = kg_psprintf(
		f->pool, "%lld", (long long)(apr_time_now() / 1000) - 1000);
	return kgt_flow_mint(f, rec);
}

static kg_resp *use(kgt_flow *f, const char *cookie, kg_caller *caller)
{
	kg_req *req = kgt_req(f, "GET", "/app");

	kgt_req_session(f, req, cookie);
	return kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_401, NULL), req,
				caller);
}

static void test_a_due_session_is_refreshed(void **state)
{
	kgt_flow *f = begin(state, NULL);
	const char *cookie = due_session(f);
	kg_sess_record *rec;
	kg_caller caller;

	kgt_http_route(kgt_world_get()->http, "/token", 200, "application/json",
		       "{\"access_token\":\"at-new\",\"token_type\":\"Bearer\","
		       "\"expires_in\":300,\"refresh_token\":\"rt-new\"}");
	assert_int_equal(use(f, cookie, &caller)->action, KG_RESP_CONTINUE);
	assert_string_equal(caller.user->username, "jdoe");
	assert_int_equal(kgt_flow_lookup(f, cookie, &rec), KG_OK);
	assert_string_equal(rec->state.oidc_access_token, "at-new");
	assert_string_equal(rec->state.oidc_refresh_token, "rt-new");
	assert_non_null(strstr(
		kgt_http_last_body(kgt_world_get()->http, f->pool, "/token"),
		"refresh_token=rt-old"));
	/* no longer due: the next request does not refresh again */
	kgt_http_route(kgt_world_get()->http, "/token", 500, "application/json",
		       "{}");
	assert_int_equal(use(f, cookie, &caller)->action, KG_RESP_CONTINUE);
	assert_int_equal(kgt_flow_lookup(f, cookie, &rec), KG_OK);
	assert_string_equal(rec->state.oidc_access_token, "at-new");
}

static void test_a_refused_refresh_ends_or_keeps_the_session(void **state)
{
	kgt_flow *f = begin(state, "KeygateOIDCRefreshFailure logout\n");
	const char *cookie = due_session(f);
	kg_caller caller;
	kg_resp *resp;

	kgt_http_route(kgt_world_get()->http, "/token", 400, "application/json",
		       "{\"error\":\"invalid_grant\"}");
	resp = use(f, cookie, &caller);
	assert_null(caller.user);
	kgt_expect_fail(resp, KG_EAUTH, "no_credentials");
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_ENOTFOUND);
	assert_true(kgt_flow_logged(f, "KG-0530"));
}

static void test_a_provider_down_keeps_the_session(void **state)
{
	kgt_flow *f = begin(state, "KeygateOIDCRefreshFailure logout\n");
	const char *cookie = due_session(f);
	kg_caller caller;

	kgt_http_route(kgt_world_get()->http, "/token", 503, "text/plain",
		       "down");
	assert_int_equal(use(f, cookie, &caller)->action, KG_RESP_CONTINUE);
	assert_string_equal(caller.user->username, "jdoe");
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_OK);
	assert_true(kgt_flow_logged(f, "KG-0531"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_a_login_makes_a_new_session),
		KGT_FLOW(test_the_callback_refuses_what_it_must),
		KGT_FLOW(test_the_callback_with_redis_down_is_503),
		KGT_FLOW(test_the_gate_denies_a_login_with_a_page),
		KGT_FLOW(test_prompt_login_asks_for_a_fresh_authentication),
		KGT_FLOW(
			test_no_mapper_file_signs_in_under_the_provider_username),
		KGT_FLOW(test_a_second_provider_has_its_own_paths),
		KGT_FLOW(test_the_browser_flow_limit_applies),
		KGT_FLOW(test_a_provider_limit_replaces_the_sso_limit),
		KGT_FLOW(test_a_due_session_is_refreshed),
		KGT_FLOW(test_a_refused_refresh_ends_or_keeps_the_session),
		KGT_FLOW(test_a_provider_down_keeps_the_session),
	};

	return KGT_RUN(tests);
}
