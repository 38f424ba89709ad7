/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: user deactivation and the admin API, without
 * Apache, against a real redis-server (flow_fixture.h) and the loopback
 * provider of jwt_world.h. A deactivated user gets no session (the
 * create script refuses it), their bearer tokens are refused, their
 * sessions end; the admin API refuses cross-site calls and answers JSON.
 *
 * Files covered:
 *   sessions/revocation.c  the user's flag, read with the token's ids
 *   sessions/scripts.c     the create script's deactivation check
 *   sessions/duelist.c     the due lists
 *   flow/admin/users.c     deactivate, reactivate, kill, audit lines
 *   flow/admin/api.c       routing, CSRF checks, JSON answers
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"
#include "tests/unit/jwt_world.h"

#include "gateway/base/str.h"
#include "gateway/flow/admin/admin.h"
#include "sessions/duelist.h"
#include "sessions/revocation.h"

#include <apr_strings.h>
#include <string.h>

static const char *bearer_conf(apr_pool_t *pool)
{
	kgt_world *w = kgt_world_get();

	return kg_psprintf(pool,
			   "KeygateBearerIssuer %s %s api\n"
			   "KeygateRevocationCheckInterval 0\n"
			   "KeygateUsernameCase lower\n",
			   w->issuer, w->jwks_uri);
}

static kg_resp *bearer_call(kgt_flow *f, const char *user, kg_caller *caller)
{
	kg_req *req = kgt_req(f, "GET", "/v4/projects");
	const char *tok = kgt_flow_jwt(
		f->pool, kg_psprintf(f->pool,
				     "{'iss':'ISS','aud':'api','sub':'s-%s',"
				     "'preferred_username':'%s','iat':NOW-5,"
				     "'exp':NOW+300}",
				     user, user));

	kgt_req_header(req, "Authorization",
		       apr_pstrcat(f->pool, "Bearer ", tok, NULL));
	return kgt_authenticate(f, kgt_loc(f, KG_UNAUTH_LOGIN, NULL), req,
				caller);
}

static const kg_admin_who cli = {"root", "cli"};

static void test_a_deactivated_user_gets_no_session(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_record *rec = kgt_flow_record(f, "jdoe", NULL);
	kg_sess_created created;
	kg_err err = {0};
	bool active = false;

	assert_int_equal(
		kg_sess_user_set_active(f->store, f->pool, "jdoe", false, &err),
		KG_OK);
	assert_int_equal(kg_sess_user_is_active(f->store, f->pool, "jdoe",
						&active, &err),
			 KG_OK);
	assert_false(active);
	assert_int_equal(
		kg_sess_store_create(f->store, f->pool, rec,
				     &f->conf->sessions.limits[KG_FLOW_BROWSER],
				     apr_time_now() / 1000, &created, &err),
		KG_EDENIED);
	assert_true(created.deactivated);
	assert_string_equal(created.deny_message, KG_SESS_DEACTIVATED_MESSAGE);
	assert_int_equal(kgt_flow_count(f, "jdoe"), 0);
	assert_true(kgt_flow_logged(f, "KG-0720 session denied user=jdoe"));
	/* someone else is not touched */
	assert_non_null(kgt_flow_session(f, "alice", NULL));
	assert_int_equal(
		kg_sess_user_set_active(f->store, f->pool, "jdoe", true, &err),
		KG_OK);
	assert_non_null(kgt_flow_session(f, "jdoe", NULL));
}

static void test_deactivation_ends_sessions_and_bearer_tokens(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, bearer_conf(KGT_FLOW_POOL(state)));
	const char *c1 = kgt_flow_session(f, "jdoe", NULL);
	const char *c2 = kgt_flow_session(f, "jdoe", NULL);
	const char *other = kgt_flow_session(f, "alice", NULL);
	kg_caller caller;
	kg_err err = {0};
	int ended = -1;

	assert_int_equal(bearer_call(f, "jdoe", &caller)->action,
			 KG_RESP_CONTINUE);
	assert_int_equal(kg_admin_user_set_active(f->store, f->conf, f->pool,
						  &f->log, &cli, "jdoe", false,
						  &ended, &err),
			 KG_OK);
	assert_int_equal(ended, 2);
	assert_int_equal(kgt_flow_lookup(f, c1, NULL), KG_ENOTFOUND);
	assert_int_equal(kgt_flow_lookup(f, c2, NULL), KG_ENOTFOUND);
	assert_int_equal(kgt_flow_lookup(f, other, NULL), KG_OK);
	assert_true(kgt_flow_logged(
		f, "KG-0722 AUDIT event=\"User Deactivated\" actor=root "
		   "target=jdoe via=cli sessions_ended=2"));
	kgt_expect_fail(bearer_call(f, "jdoe", &caller), KG_EAUTH,
			"token_revoked");
	assert_int_equal(bearer_call(f, "alice", &caller)->action,
			 KG_RESP_CONTINUE);
	assert_int_equal(kg_admin_user_set_active(f->store, f->conf, f->pool,
						  &f->log, &cli, "jdoe", true,
						  &ended, &err),
			 KG_OK);
	assert_true(kgt_flow_logged(f, "KG-0723 AUDIT event=\"User "
				       "Reactivated\" actor=root"));
	assert_int_equal(bearer_call(f, "jdoe", &caller)->action,
			 KG_RESP_CONTINUE);
	/* not a username */
	assert_int_equal(kg_admin_user_set_active(f->store, f->conf, f->pool,
						  &f->log, &cli, "a/b", false,
						  &ended, &err),
			 KG_EINVAL);
}

/* An admin API call as admin, with optional headers (NAME, VALUE pairs,
 * NULL-terminated). */
static kg_resp *admin(kgt_flow *f, const char *method, const char *target, ...)
{
	kg_req *req = kgt_req(f, method, target);
	kg_resp *resp = kg_resp_make(f->pool);
	va_list ap;
	const char *name;

	va_start(ap, target);
	while ((name = va_arg(ap, const char *)) != NULL)
		kgt_req_header(req, name, va_arg(ap, const char *));
	va_end(ap);
	kg_gateway_admin(f->gw, req, "boss", &f->log, resp);
	return resp;
}

static void test_the_admin_api_refuses_cross_site_calls(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	const char *c = kgt_flow_session(f, "jdoe", NULL);
	const char *url = "/keygate/admin/users/jdoe/deactivate";
	const char *json = "application/json";

	assert_int_equal(kgt_status(admin(f, "POST", url, NULL)), 403);
	assert_int_equal(kgt_status(admin(f, "POST", url, "Content-Type",
					  "text/plain", NULL)),
			 403);
	assert_int_equal(kgt_status(admin(f, "POST", url, "Content-Type",
					  "application/jsonx", NULL)),
			 403);
	assert_int_equal(
		kgt_status(admin(f, "POST", url, "Content-Type", json, "Origin",
				 "https://evil.example", NULL)),
		403);
	assert_int_equal(kgt_status(admin(f, "POST", url, "Content-Type", json,
					  "Sec-Fetch-Site", "same-site", NULL)),
			 403);
	assert_int_equal(
		kgt_status(admin(f, "DELETE",
				 "/keygate/admin/sessions/abcdefgh", "Origin",
				 "https://evil.example", NULL)),
		403);
	assert_true(kgt_flow_logged(f, "reason=csrf_content_type"));
	assert_true(kgt_flow_logged(f, "reason=csrf_origin"));
	assert_true(kgt_flow_logged(f, "reason=csrf_fetch_site"));
	assert_int_equal(kgt_flow_lookup(f, c, NULL), KG_OK);
	assert_int_equal(kgt_status(admin(f, "GET", url, NULL)), 405);
	/* the same origin, JSON: done */
	assert_int_equal(
		kgt_status(admin(f, "POST", url, "Content-Type",
				 "application/json; charset=utf-8", "Origin",
				 "https://" KGT_FLOW_HOST, "Sec-Fetch-Site",
				 "same-origin", NULL)),
		200);
	assert_int_equal(kgt_flow_lookup(f, c, NULL), KG_ENOTFOUND);
	assert_true(kgt_flow_logged(f, "actor=boss target=jdoe "
				       "via=api"));
}

static void test_the_admin_api_answers_json(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	const char *c = kgt_flow_session(f, "jdoe", NULL);
	kg_sess_record *rec;
	kg_resp *resp;
	char prefix[9];

	kgt_flow_session(f, "alice", NULL);
	resp = admin(f, "GET", "/keygate/admin/users/jdoe", NULL);
	assert_int_equal(kgt_status(resp), 200);
	/* no login made a stable id for jdoe: "id" is null */
	assert_non_null(strstr(resp->body, "\"username\":\"jdoe\",\"id\":null,"
					   "\"active\":true,\"sessions\":[{"));
	resp = admin(f, "GET", "/keygate/admin/sessions", NULL);
	assert_non_null(strstr(resp->body, "\"user\":\"alice\""));
	resp = admin(f, "GET", "/keygate/admin/sessions?user=alice", NULL);
	assert_null(strstr(resp->body, "\"user\":\"jdoe\""));
	assert_null(strstr(resp->body, c)); /* never the cookie */
	assert_int_equal(kgt_flow_lookup(f, c, &rec), KG_OK);
	memcpy(prefix, rec->id, 8);
	prefix[8] = '\0';
	assert_int_equal(kgt_status(admin(f, "DELETE",
					  "/keygate/admin/sessions/abc", NULL)),
			 400);
	assert_int_equal(
		kgt_status(
			admin(f, "DELETE",
			      apr_pstrcat(f->pool, "/keygate/admin/sessions/",
					  prefix, NULL),
			      NULL)),
		200);
	assert_int_equal(kgt_flow_lookup(f, c, NULL), KG_ENOTFOUND);
	assert_true(kgt_flow_logged(
		f, apr_pstrcat(f->pool,
			       "KG-0724 AUDIT event=\"Session Killed\" "
			       "actor=boss target=jdoe sess=",
			       prefix, NULL)));
	assert_int_equal(
		kgt_status(
			admin(f, "DELETE",
			      apr_pstrcat(f->pool, "/keygate/admin/sessions/",
					  prefix, NULL),
			      NULL)),
		404);
	assert_int_equal(
		kgt_status(admin(f, "GET", "/keygate/admin/users/a%2Fb", NULL)),
		400);
	assert_int_equal(
		kgt_status(admin(f, "GET", "/keygate/admin/nope", NULL)), 404);
	assert_int_equal(
		kgt_status(admin(f, "POST", "/keygate/admin/users/jdoe/x",
				 "Content-Type", "application/json", NULL)),
		404);
	/* not an admin path: declined */
	assert_int_equal(kgt_status(admin(f, "GET", "/keygate/session", NULL)),
			 -1);
}

/* Admin calls name users as keygate stores them (lower case), every
 * call is an audit line with actor and target (reads and refusals too),
 * sessions list by page and a user's sessions can be killed at once. */
static void
test_admin_calls_are_audited_and_name_users_in_lower_case(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	const char *j1 = kgt_flow_session(f, "jdoe", NULL);
	const char *j2 = kgt_flow_session(f, "jdoe", NULL);
	const char *a1 = kgt_flow_session(f, "alice", NULL);
	const char *json = "application/json";
	kg_err err = {0};
	kg_resp *resp;
	bool active = true;
	int ended = -1;

	/* a read: the user in lower case, audited */
	resp = admin(f, "GET", "/keygate/admin/users/JDoe", NULL);
	assert_int_equal(kgt_status(resp), 200);
	assert_non_null(strstr(resp->body, "\"username\":\"jdoe\""));
	assert_true(kgt_flow_logged(
		f, "KG-0750 AUDIT event=\"Admin API Read\" actor=boss "
		   "target=jdoe call=user sessions=2 via=api"));
	/* a page of one, and where the next starts */
	resp = admin(f, "GET", "/keygate/admin/sessions?limit=1", NULL);
	assert_int_equal(kgt_status(resp), 200);
	assert_non_null(strstr(resp->body, "\"next\":1}"));
	assert_true(kgt_flow_logged(f, "actor=boss target=- call=sessions "
				       "sessions=1 via=api"));
	resp = admin(f, "GET", "/keygate/admin/sessions?offset=2", NULL);
	assert_non_null(strstr(resp->body, "\"next\":null}"));
	assert_int_equal(
		kgt_status(admin(f, "GET", "/keygate/admin/sessions?limit=x",
				 NULL)),
		400);
	assert_int_equal(
		kgt_status(admin(f, "GET", "/keygate/admin/sessionsx", NULL)),
		404);
	/* a refused call names who tried it, and on whom */
	assert_int_equal(
		kgt_status(admin(f, "POST",
				 "/keygate/admin/users/JDOE/deactivate",
				 "Content-Type", json, "Origin",
				 "https://evil.example", NULL)),
		403);
	assert_true(kgt_flow_logged(
		f, "KG-0725 AUDIT event=\"Admin API Refused\" actor=boss "
		   "target=jdoe method=POST reason=csrf_origin via=api"));
	/* kill every session of ALICE, who stays active */
	resp = admin(f, "DELETE", "/keygate/admin/sessions?user=ALICE", NULL);
	assert_int_equal(kgt_status(resp), 200);
	assert_non_null(strstr(resp->body, "\"killed\":1,\"user\":\"alice\""));
	assert_int_equal(kgt_flow_lookup(f, a1, NULL), KG_ENOTFOUND);
	assert_int_equal(kgt_flow_lookup(f, j1, NULL), KG_OK);
	assert_true(kgt_flow_logged(
		f, "KG-0751 AUDIT event=\"Session Killed\" actor=boss "
		   "target=alice via=api sessions_ended=1"));
	assert_int_equal(kg_sess_user_is_active(f->store, f->pool, "alice",
						&active, &err),
			 KG_OK);
	assert_true(active);
	assert_int_equal(
		kgt_status(admin(f, "DELETE", "/keygate/admin/sessions", NULL)),
		405);
	/* "JDoe" deactivates jdoe, not a name no login can have */
	assert_int_equal(kg_admin_user_set_active(f->store, f->conf, f->pool,
						  &f->log, &cli, "JDoe", false,
						  &ended, &err),
			 KG_OK);
	assert_int_equal(ended, 2);
	assert_int_equal(kgt_flow_lookup(f, j2, NULL), KG_ENOTFOUND);
	assert_int_equal(kg_sess_user_is_active(f->store, f->pool, "jdoe",
						&active, &err),
			 KG_OK);
	assert_false(active);
	assert_string_equal(kg_admin_username(f->pool, "ÉLODIE"), "élodie");
	assert_null(kg_admin_username(f->pool, "a/b"));
	assert_null(kg_admin_username(f->pool, "a\tb"));
	assert_null(kg_admin_username(f->pool, ""));
}

static void test_due_lists(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	const char *a = "0123456789abcdef0123456789abcdef";
	const char *b = "fedcba9876543210fedcba9876543210";
	apr_array_header_t *ids;
	kg_err err = {0};

	assert_int_equal(
		kg_sess_due_put(f->store, f->pool, "aws", a, 1000, &err),
		KG_OK);
	assert_int_equal(
		kg_sess_due_put(f->store, f->pool, "aws", b, 5000, &err),
		KG_OK);
	assert_int_equal(
		kg_sess_due_get(f->store, f->pool, "aws", 2000, 10, &ids, &err),
		KG_OK);
	assert_int_equal(ids->nelts, 1);
	assert_string_equal(APR_ARRAY_IDX(ids, 0, const char *), a);
	/* made due now: b is found at 2000 too */
	assert_int_equal(kg_sess_due_now(f->store, f->pool, b, &err), KG_OK);
	assert_int_equal(
		kg_sess_due_get(f->store, f->pool, "aws", 2000, 10, &ids, &err),
		KG_OK);
	assert_int_equal(ids->nelts, 2);
	/* due now never adds what is not listed */
	assert_int_equal(kg_sess_due_put(f->store, f->pool, "aws", b, 0, &err),
			 KG_OK);
	assert_int_equal(kg_sess_due_now(f->store, f->pool, b, &err), KG_OK);
	assert_int_equal(kg_sess_due_get(f->store, f->pool, "aws", 1LL << 50,
					 10, &ids, &err),
			 KG_OK);
	assert_int_equal(ids->nelts, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_a_deactivated_user_gets_no_session),
		KGT_FLOW(test_deactivation_ends_sessions_and_bearer_tokens),
		KGT_FLOW(test_the_admin_api_refuses_cross_site_calls),
		KGT_FLOW(test_the_admin_api_answers_json),
		KGT_FLOW(
			test_admin_calls_are_audited_and_name_users_in_lower_case),
		KGT_FLOW(test_due_lists),
	};

	return KGT_RUN(tests);
}
