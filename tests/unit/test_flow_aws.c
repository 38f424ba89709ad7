/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: AWS credential propagation in the flow, without
 * Apache, against a real redis-server (flow_fixture.h): PREFIX
 * aws/credentials refuses what it must (feature off, bad format, no
 * session: 401 with WWW-Authenticate, Redis down: 503), hands out a
 * session's stored credentials as a credentials file or
 * credential_process JSON (for a cookie or a bearer token), shows their
 * status but never a key in PREFIX session; a due refresh against an STS
 * that is down keeps the old keys; logout removes the credentials file;
 * aws/saml/ALIAS refuses without a Response or a session.
 *
 * Flow files covered:
 *   flow/aws/endpoint.c   aws/credentials: every refusal, file, process,
 *                         the bearer path
 *   flow/aws/render.c     the file, the process JSON, the status
 *   flow/aws/set.c        the stored form (encode, decode, due)
 *   flow/aws/assume.c     the refresh job with STS unreachable
 *   flow/aws/file.c       the credentials file removed at logout
 *   flow/aws/saml.c       aws/saml/ALIAS refusals and the re-post page
 *   flow/core/jobs.c      a due job under the Redis lock
 *   flow/routes.c         session JSON with "aws"
 *   flow/logout/local.c   logout of a session with AWS credentials
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"
#include "tests/unit/http_stub.h"
#include "tests/unit/jwt_world.h"
#include "tests/unit/saml_world.h"

#include "gateway/base/str.h"
#include "gateway/flow/aws/set.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROLE_ARN "arn:aws:iam::123456789012:role/DataScientist"
#define IDP_ARN "arn:aws:iam::123456789012:saml-provider/corp"
#define KEY_ID "ASIATESTKEYID0000001"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
#define TOKEN "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"

/* A gateway with AWS credentials on (a SAML provider is required), and
 * more config text. */
static kgt_flow *begin(void **state, const char *more)
{
	const kgt_saml_world *w = kgt_saml_world_get();

	return kgt_flow_begin_with(state,
				   apr_pstrcat(KGT_FLOW_POOL(state),
					       KGT_SAML_CONF("corp"),
					       "KeygateAwsCredentials On\n"
					       "KeygateAwsRegion us-east-1\n",
					       more ? more : "", NULL),
				   KGT_SAML_FILES(w), NULL);
}

/* The stored form of one role's credentials expiring in ttl seconds. */
static const char *stored_creds(apr_pool_t *pool, long long ttl)
{
	kg_aws_set *set = kg_aws_set_make(pool);
	kg_aws_role_creds *r = apr_array_push(set->roles);

	memset(r, 0, sizeof(*r));
	r->role_arn = ROLE_ARN;
	r->principal_arn = IDP_ARN;
	r->ok = true;
	r->creds.keys.access_key = KEY_ID;
	r->creds.keys.secret_key = SECRET;
	r->creds.keys.session_token = TOKEN;
	r->creds.expiration_s = apr_time_now() / APR_USEC_PER_SEC + ttl;
	r->creds.assumed_role_arn =
		"arn:aws:sts::123456789012:assumed-role/DataScientist/jdoe";
	r->creds.assumed_role_id = "AROATEST:jdoe";
	return kg_aws_set_encode(pool, set, 600);
}

/* A SAML session of user holding credentials good for ttl s (ttl 0:
 * none). */
static const char *aws_session(kgt_flow *f, const char *user, long long ttl)
{
	kg_sess_record *rec = kgt_flow_record(f, user, NULL);

	rec->protocol = "saml";
	rec->idp = "corp";
	rec->state.saml_name_id = apr_pstrcat(f->pool, user, "@corp", NULL);
	if (ttl)
		rec->state.sts_credentials = stored_creds(f->pool, ttl);
	return kgt_flow_mint(f, rec);
}

static kg_resp *credentials(kgt_flow *f, const char *query, const char *cookie)
{
	kg_req *req = kgt_req(f, "GET",
			      apr_pstrcat(f->pool, "/keygate/aws/credentials",
					  query ? "?" : "", query ? query : "",
					  NULL));

	if (cookie)
		kgt_req_session(f, req, cookie);
	return kgt_endpoint(f, req);
}

static void expect_no_session(const kg_resp *resp)
{
	kgt_expect_fail(resp, KG_EAUTH, "no_session");
	assert_int_equal(kgt_status(resp), 401);
	assert_string_equal(kgt_resp_header(resp, "WWW-Authenticate"),
			    "Bearer realm=\"keygate\"");
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	assert_string_equal(kgt_resp_header(resp, "X-Content-Type-Options"),
			    "nosniff");
}

static void test_credentials_are_404_when_aws_is_off(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);

	kgt_expect_fail(credentials(f, NULL, kgt_flow_session(f, "jdoe", NULL)),
			KG_ENOTFOUND, "aws_off");
	/* and the mode-b endpoint does not exist */
	kgt_expect_fail(
		kgt_endpoint(f, kgt_req(f, "POST", "/keygate/aws/saml/corp")),
		KG_ENOTFOUND, "no_such_provider");
}

static void test_credentials_refuse_without_a_session(void **state)
{
	kgt_flow *f = begin(state, NULL);
	kg_req *req;

	expect_no_session(credentials(f, NULL, NULL));
	expect_no_session(credentials(f, "format=process", "garbage"));
	expect_no_session(credentials(
		f, NULL, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	/* a bearer token from no configured issuer: no session either */
	req = kgt_req(f, "GET", "/keygate/aws/credentials");
	kgt_req_header(req, "Authorization", "Bearer a.b.c");
	kgt_expect_fail(kgt_endpoint(f, req), KG_EAUTH, "invalid_token");
	/* a bad format is refused before anything else */
	kgt_expect_fail(credentials(f, "format=xml", NULL), KG_EINVAL,
			"bad_format");
	/* POST is not how they are read */
	assert_int_equal(
		kgt_endpoint(f, kgt_req(f, "POST", "/keygate/aws/credentials"))
			->status,
		405);
}

static void test_a_session_without_credentials_gets_404(void **state)
{
	kgt_flow *f = begin(state, NULL);

	kgt_expect_fail(credentials(f, NULL, aws_session(f, "jdoe", 0)),
			KG_ENOTFOUND, "no_aws_credentials");
	/* expired ones are none */
	kgt_expect_fail(credentials(f, NULL, aws_session(f, "jdoe", -60)),
			KG_ENOTFOUND, "no_aws_credentials");
}

static void test_a_session_gets_its_credentials(void **state)
{
	kgt_flow *f = begin(state, NULL);
	const char *cookie = aws_session(f, "jdoe", 3600);
	kg_resp *resp;
	kg_req *req;

	resp = credentials(f, NULL, cookie);
	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->content_type, "text/plain; charset=utf-8");
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	assert_non_null(strstr(resp->body, "[default]"));
	assert_non_null(strstr(resp->body, "[DataScientist]"));
	assert_non_null(strstr(resp->body, KEY_ID));
	assert_non_null(strstr(resp->body, SECRET));
	assert_non_null(strstr(resp->body, TOKEN));

	resp = credentials(f, "format=process&profile=DataScientist", cookie);
	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->content_type, "application/json");
	assert_non_null(strstr(resp->body, "\"Version\":1"));
	assert_non_null(strstr(resp->body, "\"AccessKeyId\":\"" KEY_ID "\""));
	assert_non_null(strstr(resp->body, "\"Expiration\""));
	kgt_expect_fail(credentials(f, "format=process&profile=nope", cookie),
			KG_ENOTFOUND, "no_aws_credentials");

	/* PREFIX session shows the role's status, never a key */
	req = kgt_req(f, "GET", "/keygate/session");
	kgt_req_session(f, req, cookie);
	resp = kgt_endpoint(f, req);
	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body, "\"aws\":["));
	assert_non_null(strstr(resp->body, ROLE_ARN));
	assert_null(strstr(resp->body, KEY_ID));
	assert_null(strstr(resp->body, SECRET));
	assert_null(strstr(resp->body, TOKEN));
	/* and no key ever reaches the log */
	assert_false(kgt_flow_logged(f, SECRET));
	assert_false(kgt_flow_logged(f, TOKEN));
}

static void test_a_bearer_token_gets_its_users_credentials(void **state)
{
	kgt_world *w = kgt_world_get();
	kgt_flow *f =
		begin(state, kg_psprintf(KGT_FLOW_POOL(state),
					 "KeygateBearerIssuer %s %s api\n",
					 w->issuer, w->jwks_uri));
	const char *tok = kgt_flow_jwt(
		f->pool, "{'iss':'ISS','aud':'api','sub':'u-1',"
			 "'preferred_username':'jdoe','exp':NOW+300}");
	const char *other = kgt_flow_jwt(
		f->pool, "{'iss':'ISS','aud':'api','sub':'u-2',"
			 "'preferred_username':'asmith','exp':NOW+300}");
	kg_req *req;
	kg_resp *resp;

	aws_session(f, "jdoe", 0);    /* no keys */
	aws_session(f, "jdoe", 3600); /* keys */
	aws_session(f, "asmith", 0);
	req = kgt_req(f, "GET", "/keygate/aws/credentials?format=process");
	kgt_req_header(req, "Authorization",
		       apr_pstrcat(f->pool, "Bearer ", tok, NULL));
	resp = kgt_endpoint(f, req);
	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body, KEY_ID));
	/* a user whose sessions hold none */
	req = kgt_req(f, "GET", "/keygate/aws/credentials");
	kgt_req_header(req, "Authorization",
		       apr_pstrcat(f->pool, "Bearer ", other, NULL));
	expect_no_session(kgt_endpoint(f, req));
}

static void test_bearer_tokens_get_none_when_turned_off(void **state)
{
	kgt_world *w = kgt_world_get();
	kgt_flow *f = begin(state, kg_psprintf(KGT_FLOW_POOL(state),
					       "KeygateBearerIssuer %s %s api\n"
					       "KeygateAwsBearer Off\n",
					       w->issuer, w->jwks_uri));
	const char *tok = kgt_flow_jwt(
		f->pool, "{'iss':'ISS','aud':'api','sub':'u-1',"
			 "'preferred_username':'jdoe','exp':NOW+300}");
	kg_req *req;

	aws_session(f, "jdoe", 3600);
	req = kgt_req(f, "GET", "/keygate/aws/credentials");
	kgt_req_header(req, "Authorization",
		       apr_pstrcat(f->pool, "Bearer ", tok, NULL));
	expect_no_session(kgt_endpoint(f, req));
}

static void test_credentials_with_redis_down_are_503(void **state)
{
	kgt_flow *f = begin(state, "KeygateSessionCache 0\n");
	const char *cookie = aws_session(f, "jdoe", 3600);
	kg_resp *resp;

	kgt_flow_stop_redis(f);
	resp = credentials(f, NULL, cookie);
	kgt_expect_fail(resp, KG_EBACKEND, "cache_unavailable");
	assert_int_equal(kgt_status(resp), 503);
	assert_null(kgt_resp_header(resp, "WWW-Authenticate"));
}

static void test_a_due_refresh_with_sts_down_keeps_the_keys(void **state)
{
	kgt_flow *f = begin(
		state, kg_psprintf(KGT_FLOW_POOL(state),
				   "KeygateAwsEndpoint http://127.0.0.1:%d/\n"
				   "KeygateAwsTimeout 1\n",
				   kgt_http_dead_port()));
	/* 5 minutes left, inside the 10-minute refresh window: due */
	const char *cookie = aws_session(f, "jdoe", 300);
	kg_sess_record *rec;
	kg_resp *resp;

	resp = credentials(f, NULL, cookie);
	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body, KEY_ID));
	assert_true(kgt_flow_logged(f, "KG-0611"));
	/* the failure is remembered, so it is not due again at once */
	assert_int_equal(kgt_flow_lookup(f, cookie, &rec), KG_OK);
	assert_false(kg_aws_set_due(rec->state.sts_credentials,
				    apr_time_now() / 1000));
	assert_non_null(strstr(rec->state.sts_credentials, KEY_ID));
}

static void test_logout_removes_the_credentials_file(void **state)
{
	kgt_flow *f = begin(state, "KeygateAwsCredentialsDir @DIR@/homes\n");
	const char *cookie = aws_session(f, "jdoe", 3600);
	const char *path = apr_pstrcat(f->pool, f->dir,
				       "/homes/jdoe/.aws/credentials", NULL);
	kg_req *req;
	struct stat st;

	/* as a login would have left it */
	assert_int_equal(
		mkdir(apr_pstrcat(f->pool, f->dir, "/homes", NULL), 0700), 0);
	assert_int_equal(
		mkdir(apr_pstrcat(f->pool, f->dir, "/homes/jdoe", NULL), 0700),
		0);
	assert_int_equal(
		mkdir(apr_pstrcat(f->pool, f->dir, "/homes/jdoe/.aws", NULL),
		      0700),
		0);
	kgt_flow_file(f, "homes/jdoe/.aws/credentials", "[default]\n");
	assert_int_equal(stat(path, &st), 0);
	req = kgt_req(f, "GET", "/keygate/logout");
	kgt_req_session(f, req, cookie);
	assert_int_equal(kgt_endpoint(f, req)->status, 302);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_ENOTFOUND);
}

static void test_the_aws_saml_endpoint_refuses(void **state)
{
	kgt_flow *f = begin(state, "KeygateAwsSAMLResponse separate\n");
	kg_req *req;
	kg_resp *resp;

	/* an unknown alias */
	req = kgt_req(f, "POST", "/keygate/aws/saml/nope");
	kgt_req_body(req, "application/x-www-form-urlencoded",
		     "SAMLResponse=x");
	kgt_expect_fail(kgt_endpoint(f, req), KG_ENOTFOUND, "no_such_provider");
	/* no Response */
	req = kgt_req(f, "POST", "/keygate/aws/saml/corp");
	kgt_req_body(req, "application/x-www-form-urlencoded", "RelayState=/");
	kgt_expect_fail(kgt_endpoint(f, req), KG_EINVAL, "saml_parse");
	/* no cookie: the page that posts it again from keygate's origin,
	 * with everything escaped */
	req = kgt_req(f, "POST", "/keygate/aws/saml/corp");
	kgt_req_body(req, "application/x-www-form-urlencoded",
		     "SAMLResponse=PHg%2B&RelayState=%22%3E%3Cscript%3E");
	resp = kgt_endpoint(f, req);
	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body, "name=\"kg_repost\""));
	assert_non_null(strstr(resp->body, "value=\"PHg+\""));
	assert_null(strstr(resp->body, "\"><script>"));
	assert_non_null(strstr(resp->body, "&quot;&gt;&lt;script&gt;"));
	/* re-posted, still without a session: 401 */
	req = kgt_req(f, "POST", "/keygate/aws/saml/corp");
	kgt_req_body(req, "application/x-www-form-urlencoded",
		     "SAMLResponse=PHg%2B&kg_repost=1");
	kgt_expect_fail(kgt_endpoint(f, req), KG_EAUTH, "no_session");
	/* with a session, a Response that is none */
	req = kgt_req(f, "POST", "/keygate/aws/saml/corp");
	kgt_req_body(req, "application/x-www-form-urlencoded",
		     "SAMLResponse=PHg%2B");
	kgt_req_session(f, req, aws_session(f, "jdoe", 0));
	resp = kgt_endpoint(f, req);
	assert_int_equal(resp->action, KG_RESP_FAIL);
	assert_int_equal(kgt_status(resp), 400);
	assert_true(kgt_flow_logged(f, "KG-0620"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_credentials_are_404_when_aws_is_off),
		KGT_FLOW(test_credentials_refuse_without_a_session),
		KGT_FLOW(test_a_session_without_credentials_gets_404),
		KGT_FLOW(test_a_session_gets_its_credentials),
		KGT_FLOW(test_a_bearer_token_gets_its_users_credentials),
		KGT_FLOW(test_bearer_tokens_get_none_when_turned_off),
		KGT_FLOW(test_credentials_with_redis_down_are_503),
		KGT_FLOW(test_a_due_refresh_with_sts_down_keeps_the_keys),
		KGT_FLOW(test_logout_removes_the_credentials_file),
		KGT_FLOW(test_the_aws_saml_endpoint_refuses),
	};

	return KGT_RUN(tests);
}
