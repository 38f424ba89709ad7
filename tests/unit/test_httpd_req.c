/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the httpd binding on a fake request_rec (an APR
 * pool and tables, a conn_rec, a server_rec, module config vectors), its
 * objects linked with small stand-ins for httpd (httpd/server_stubs.c),
 * the hooks taken from keygate_module.register_hooks. Behind it, a real
 * gateway on a real redis-server (flow_fixture.h).
 *
 * Checks: request_rec to kg_req (method, path, query, headers and
 * cookies, host, port, scheme, client address); identity headers a
 * client sent are deleted (post_read_request for domino-username, the
 * authn hook for the location's headers, fixups where keygate did not
 * authenticate); the authn hook sets the user and the backend identity;
 * the endpoint hook answers; bodies are read bounded; kg_resp to httpd
 * (DECLINED, OK, statuses, headers, body); and kg_httpd_status_of's one
 * table (KG_EBACKEND 503, KG_EAUTH 401, KG_EDENIED 403, KG_ENOTFOUND 404,
 * KG_EINVAL 400, as gateway/httpd/status.c says).
 *
 * Binding files covered: gateway/httpd/req.c, status.c, config.c, log.c,
 * mod_keygate.c (post_read_request, quick_handler, check_authn, fixups,
 * register_hooks), authz.c (registration only).
 * Flow files reached through it: flow/gateway.c, flow/routes.c,
 * flow/authn/authenticate.c, flow/authn/identity.c.
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"
#include "tests/unit/httpd/server_stubs.h"

#include "gateway/httpd/binding.h"
#include "gateway/httpd/config.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <string.h>

/* A fake httpd around one request: the records and their config
 * vectors (keygate_module is module 0). */
typedef struct {
	server_rec s;
	conn_rec c;
	request_rec r;
	void *server_conf[1], *dir_conf[1], *req_conf[1];
	kg_httpd_server srv;
} fake;

static void hooks_once(void)
{
	static apr_pool_t *pool;

	if (kgt_hooks.check_authn)
		return;
	keygate_module.module_index = 0;
	apr_pool_create(&pool, NULL);
	keygate_module.register_hooks(pool);
	assert_non_null(kgt_hooks.post_read_request);
	assert_non_null(kgt_hooks.quick_handler);
	assert_non_null(kgt_hooks.check_authn);
	assert_non_null(kgt_hooks.fixups);
	assert_non_null(kgt_hooks.child_init);
	assert_non_null(kgt_hooks.post_config);
	assert_int_equal(kgt_hooks.authz_providers, 3);
}

/* A request method target ("/path?query") at a server whose settings
 * are f's (f->gw as its gateway; configured when f is not NULL), in
 * location loc (NULL: an empty one). */
static fake *fake_request(apr_pool_t *pool, kgt_flow *f, kg_conf_location *loc,
			  const char *method, const char *target)
{
	fake *x = apr_pcalloc(pool, sizeof(*x));
	request_rec *r = &x->r;
	const char *q = strchr(target, '?');

	hooks_once();
	kgt_httpd_reset();
	x->srv.conf = f ? f->conf : kg_conf_make(pool);
	x->srv.configured = f != NULL;
	x->srv.gw = f ? f->gw : NULL;
	x->srv.defined_in = "test.conf:1";
	x->server_conf[0] = &x->srv;
	x->dir_conf[0] = loc ? loc : kg_conf_location_make(pool);
	x->s.module_config = (ap_conf_vector_t *)x->server_conf;
	x->s.log.level = APLOG_TRACE8;
	x->s.server_hostname = KGT_FLOW_HOST;
	x->s.port = 443;
	x->c.pool = pool;
	x->c.base_server = &x->s;
	x->c.client_ip = "203.0.113.9";
	x->c.local_ip = "127.0.0.1";
	r->pool = pool;
	r->connection = &x->c;
	r->server = &x->s;
	r->per_dir_config = (ap_conf_vector_t *)x->dir_conf;
	r->request_config = (ap_conf_vector_t *)x->req_conf;
	r->method = apr_pstrdup(pool, method);
	r->method_number = strcmp(method, "POST") == 0 ? M_POST : M_GET;
	r->header_only = strcmp(method, "HEAD") == 0;
	r->unparsed_uri = apr_pstrdup(pool, target);
	r->uri = q ? apr_pstrmemdup(pool, target, (apr_size_t)(q - target))
		   : apr_pstrdup(pool, target);
	r->parsed_uri.path = (char *)r->uri;
	r->args = q ? apr_pstrdup(pool, q + 1) : NULL;
	r->hostname = KGT_FLOW_HOST;
	r->useragent_ip = "203.0.113.9";
	r->headers_in = apr_table_make(pool, 8);
	r->headers_out = apr_table_make(pool, 8);
	r->err_headers_out = apr_table_make(pool, 8);
	r->subprocess_env = apr_table_make(pool, 8);
	r->notes = apr_table_make(pool, 8);
	r->status = HTTP_OK;
	apr_table_set(r->headers_in, "Host", KGT_FLOW_HOST);
	return x;
}

/* The forged identity a client might send, in many spellings. */
static void forge(request_rec *r)
{
	apr_table_add(r->headers_in, "domino-username", "admin");
	apr_table_add(r->headers_in, "Domino-Username", "admin2");
	apr_table_add(r->headers_in, "DOMINO_USERNAME", "admin3");
	apr_table_add(r->headers_in, "domino-email", "evil@example.com");
	apr_table_add(r->headers_in, "Domino_Email", "evil2@example.com");
	apr_table_add(r->headers_in, "X-Unrelated", "kept");
}

/* Counts r's request headers named like name (case and '_'/'-' aside). */
static int variants(const request_rec *r, const char *name)
{
	const apr_array_header_t *h = apr_table_elts(r->headers_in);
	const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
	int n = 0;

	for (int i = 0; i < h->nelts; i++) {
		const char *a = e[i].key, *b = name;
		while (*a && *b &&
		       ((*a == '_' ? '-' : (*a | 0x20)) ==
			(*b == '_' ? '-' : (*b | 0x20)))) {
			a++;
			b++;
		}
		n += *a == '\0' && *b == '\0';
	}
	return n;
}

/* ---------------------------------------------------------------------- */

static void test_status_of_maps_each_rc_as_documented(void **state)
{
	static const struct {
		kg_rc rc;
		int status;
	} table[] = {
		{KG_OK, 200},	    {KG_ENOTFOUND, 404}, {KG_EINVAL, 400},
		{KG_ECONFIG, 500},  {KG_EAUTH, 401},	 {KG_EDENIED, 403},
		{KG_EBACKEND, 503}, {KG_EINTERNAL, 500},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(*table); i++) {
		if (kg_httpd_status_of(table[i].rc) != table[i].status)
			fail_msg("%s: %d, want %d", kg_rc_name(table[i].rc),
				 kg_httpd_status_of(table[i].rc),
				 table[i].status);
		/* the flow tests' table agrees */
		assert_int_equal(kgt_status_of_rc(table[i].rc),
				 table[i].status);
	}
	assert_int_equal(kg_httpd_status_of(KG_EBACKEND),
			 HTTP_SERVICE_UNAVAILABLE);
	assert_int_equal(kg_httpd_status_of(KG_EAUTH), HTTP_UNAUTHORIZED);
	assert_int_equal(kg_httpd_status_of(KG_EDENIED), HTTP_FORBIDDEN);
	assert_int_equal(kg_httpd_status_of(KG_ENOTFOUND), HTTP_NOT_FOUND);
	assert_int_equal(kg_httpd_status_of(KG_EINVAL), HTTP_BAD_REQUEST);
	/* out of the table: 500, never a read past it */
	assert_int_equal(kg_httpd_status_of((kg_rc)(KG_EINTERNAL + 1)), 500);
	assert_int_equal(kg_httpd_status_of((kg_rc)1000), 500);
	assert_int_equal(kg_httpd_status_of((kg_rc)-1), 500);
}

static void test_req_from_fills_the_neutral_request(void **state)
{
	apr_pool_t *pool = ((kgt_flow *)*state)->pool;
	fake *x = fake_request(pool, NULL, NULL, "GET",
			       "/app/page?x=1&y=a%20b&return_to=%2Fz");
	kg_req *req;

	apr_table_add(x->r.headers_in, "Cookie",
		      "theme=dark; keygate_session=V1");
	apr_table_add(x->r.headers_in, "Accept", "text/html");
	req = kg_httpd_req_from(&x->r);
	assert_ptr_equal(req->pool, pool);
	assert_string_equal(req->method, "GET");
	assert_string_equal(req->scheme, "https");
	assert_string_equal(req->host, KGT_FLOW_HOST);
	assert_int_equal(req->port, 443);
	assert_string_equal(req->path, "/app/page");
	assert_string_equal(req->query, "x=1&y=a%20b&return_to=%2Fz");
	assert_string_equal(kg_req_param(req, "y"), "a b");
	assert_string_equal(kg_req_param(req, "return_to"), "/z");
	assert_string_equal(req->client_ip, "203.0.113.9");
	assert_string_equal(kg_req_cookie(req, "keygate_session"), "V1");
	assert_string_equal(kg_req_cookie(req, "theme"), "dark");
	assert_string_equal(kg_req_header(req, "accept"), "text/html");
	assert_true(kg_req_wants_html(req));
	assert_null(req->body);

	/* the scheme and port are httpd's (a proxy's X-Forwarded-Proto is
	 * not believed here) */
	x = fake_request(pool, NULL, NULL, "HEAD", "/");
	kgt_httpd.scheme = "http";
	kgt_httpd.port = 8080;
	apr_table_add(x->r.headers_in, "X-Forwarded-Proto", "https");
	x->r.parsed_uri.path = NULL;
	req = kg_httpd_req_from(&x->r);
	assert_string_equal(req->method, "HEAD");
	assert_string_equal(req->scheme, "http");
	assert_int_equal(req->port, 8080);
	assert_string_equal(req->path, "/");
	assert_null(req->query);
}

static void test_post_read_request_drops_a_forged_username(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	fake *x = fake_request(f->pool, f, NULL, "GET", "/app");

	forge(&x->r);
	assert_int_equal(variants(&x->r, "domino-username"), 3);
	assert_int_equal(kgt_hooks.post_read_request(&x->r), DECLINED);
	assert_int_equal(variants(&x->r, "domino-username"), 0);
	/* the location's headers are the authn hook's: untouched here */
	assert_int_equal(variants(&x->r, "domino-email"), 2);
	assert_string_equal(apr_table_get(x->r.headers_in, "X-Unrelated"),
			    "kept");
	assert_true(kgt_httpd_logged("KG-0404 STRIP header=domino-username"));

	/* a server without Keygate directives is left alone */
	x = fake_request(f->pool, NULL, NULL, "GET", "/app");
	forge(&x->r);
	assert_int_equal(kgt_hooks.post_read_request(&x->r), DECLINED);
	assert_int_equal(variants(&x->r, "domino-username"), 3);
}

static void test_the_authn_hook_scrubs_and_authenticates(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_conf_location *loc =
		kgt_loc(f, KG_UNAUTH_401, "domino-email", "email", NULL);
	const char *cookie = kgt_flow_session(f, "jdoe", "SysAdmin", NULL);
	fake *x = fake_request(f->pool, f, loc, "GET", "/app");
	kg_httpd_request_state *st;

	forge(&x->r);
	apr_table_add(x->r.headers_in, "Cookie",
		      apr_pstrcat(f->pool, "theme=dark; keygate_session=",
				  cookie, NULL));
	assert_int_equal(kgt_hooks.check_authn(&x->r), OK);
	assert_string_equal(x->r.user, "jdoe");
	assert_string_equal(x->r.ap_auth_type, "keygate");
	/* nothing forged is left, whatever its spelling */
	assert_int_equal(variants(&x->r, "domino-username"), 0);
	assert_int_equal(variants(&x->r, "domino-email"), 0);
	assert_string_equal(apr_table_get(x->r.headers_in, "X-Unrelated"),
			    "kept");
	/* the backend never sees the session cookie */
	assert_string_equal(apr_table_get(x->r.headers_in, "Cookie"),
			    "theme=dark");
	st = kg_httpd_request_state_get(&x->r);
	assert_non_null(st);
	assert_string_equal(st->caller.user->username, "jdoe");
	assert_string_equal(st->caller.via, "session");
	/* fixups give the backend keygate's identity, and only that */
	assert_int_equal(kgt_hooks.fixups(&x->r), DECLINED);
	assert_string_equal(apr_table_get(x->r.headers_in, "domino-username"),
			    "jdoe");
	assert_string_equal(apr_table_get(x->r.headers_in, "domino-email"),
			    "jdoe@example.org");
	assert_int_equal(variants(&x->r, "domino-username"), 1);
	assert_int_equal(variants(&x->r, "domino-email"), 1);
}

static void test_the_authn_hook_refuses_and_still_scrubs(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_conf_location *loc =
		kgt_loc(f, KG_UNAUTH_401, "domino-email", "email", NULL);
	fake *x;

	/* no credentials at a 401 location */
	x = fake_request(f->pool, f, loc, "GET", "/app");
	forge(&x->r);
	/* the answer is written here (JSON for an API client), so httpd
	 * is told DONE with the status in r->status */
	assert_int_equal(kgt_hooks.check_authn(&x->r), DONE);
	assert_int_equal(x->r.status, HTTP_UNAUTHORIZED);
	assert_string_equal(x->r.content_type, "application/json");
	assert_non_null(
		strstr(kgt_httpd.written, "\"reason\":\"no_credentials\""));
	assert_null(x->r.user);
	assert_string_equal(
		apr_table_get(x->r.err_headers_out, "WWW-Authenticate"),
		"Bearer realm=\"keygate\"");
	assert_int_equal(variants(&x->r, "domino-username"), 0);
	assert_int_equal(variants(&x->r, "domino-email"), 0);
	assert_true(
		kgt_httpd_logged("KG-0400 status=401 reason=no_credentials"));

	/* a browser at a login location: the redirect */
	x = fake_request(f->pool, f, kgt_loc(f, KG_UNAUTH_LOGIN, NULL), "GET",
			 "/app?x=1");
	assert_int_equal(kgt_hooks.check_authn(&x->r), HTTP_MOVED_TEMPORARILY);
	assert_string_equal(apr_table_get(x->r.err_headers_out, "Location"),
			    "/keygate/login?return_to=%2Fapp%3Fx%3D1");

	/* Redis down: 503 */
	x = fake_request(f->pool, f, loc, "GET", "/app");
	apr_table_add(x->r.headers_in, "Cookie",
		      apr_pstrcat(f->pool, "keygate_session=",
				  kgt_flow_session(f, "jdoe", NULL), NULL));
	kgt_flow_stop_redis(f);
	assert_int_equal(kgt_hooks.check_authn(&x->r), DONE);
	assert_int_equal(x->r.status, HTTP_SERVICE_UNAVAILABLE);
	assert_null(x->r.user);

	/* no working gateway: 503, scrubbed all the same */
	x = fake_request(f->pool, f, loc, "GET", "/app");
	x->srv.gw = NULL;
	forge(&x->r);
	assert_int_equal(kgt_hooks.check_authn(&x->r),
			 HTTP_SERVICE_UNAVAILABLE);
	assert_int_equal(variants(&x->r, "domino-email"), 0);
	assert_true(kgt_httpd_logged("KG-0003"));

	/* another AuthType: not ours, not touched */
	x = fake_request(f->pool, f, loc, "GET", "/app");
	kgt_httpd.auth_type = "Basic";
	forge(&x->r);
	assert_int_equal(kgt_hooks.check_authn(&x->r), DECLINED);
	assert_int_equal(variants(&x->r, "domino-email"), 2);
}

static void test_fixups_scrub_where_keygate_did_not_authenticate(void **state)
{
	apr_pool_t *pool = ((kgt_flow *)*state)->pool;
	kg_conf_location *loc = kg_conf_location_make(pool);
	kg_identity_header *h;
	fake *x;

	/* Require all granted: httpd never asked keygate who it is */
	loc->headers = apr_array_make(pool, 1, sizeof(kg_identity_header));
	h = apr_array_push(loc->headers);
	h->name = "domino-email";
	h->source = KG_HDR_EMAIL;
	h->attribute = NULL;
	loc->app_jwt = KG_FLAG_ON;
	x = fake_request(pool, NULL, loc, "GET", "/app");
	forge(&x->r);
	apr_table_add(x->r.headers_in, "Authorization", "Bearer forged");
	assert_int_equal(kgt_hooks.fixups(&x->r), DECLINED);
	assert_int_equal(variants(&x->r, "domino-email"), 0);
	assert_null(apr_table_get(x->r.headers_in, "Authorization"));
	assert_string_equal(apr_table_get(x->r.headers_in, "X-Unrelated"),
			    "kept");
}

static void test_the_endpoint_hook_answers_under_the_prefix(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	fake *x;

	/* not ours */
	x = fake_request(f->pool, f, NULL, "GET", "/app/health");
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0), DECLINED);
	x = fake_request(f->pool, NULL, NULL, "GET", "/keygate/health");
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0), DECLINED);
	/* a lookup (subrequest) is never answered */
	x = fake_request(f->pool, f, NULL, "GET", "/keygate/health");
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 1), DECLINED);

	/* health */
	x = fake_request(f->pool, f, NULL, "GET", "/keygate/health");
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0), OK);
	assert_int_equal(x->r.status, 200);
	assert_string_equal(x->r.content_type, "text/plain");
	assert_string_equal(kgt_httpd.written, "ok\n");
	assert_string_equal(
		apr_table_get(x->r.err_headers_out, "Cache-Control"),
		"no-store");
	/* HEAD: no body */
	x = fake_request(f->pool, f, NULL, "HEAD", "/keygate/health");
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0), OK);
	assert_int_equal(kgt_httpd.written_len, 0);
	/* 404 and 405 (their bodies written, Allow kept) */
	x = fake_request(f->pool, f, NULL, "GET", "/keygate/nope");
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0), DONE);
	assert_int_equal(x->r.status, HTTP_NOT_FOUND);
	assert_true(kgt_httpd_logged("status=404 reason=no_such_endpoint"));
	x = fake_request(f->pool, f, NULL, "PUT", "/keygate/health");
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0), DONE);
	assert_int_equal(x->r.status, HTTP_METHOD_NOT_ALLOWED);
	assert_string_equal(apr_table_get(x->r.err_headers_out, "Allow"),
			    "GET HEAD");
	assert_string_equal(kgt_httpd.written, "Method not allowed.\n");
	/* no gateway in this child: 503 */
	x = fake_request(f->pool, f, NULL, "GET", "/keygate/health");
	x->srv.gw = NULL;
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0),
			 HTTP_SERVICE_UNAVAILABLE);
	/* Redis down: 503 through the table */
	kgt_flow_stop_redis(f);
	x = fake_request(f->pool, f, NULL, "GET", "/keygate/health");
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0), DONE);
	assert_int_equal(x->r.status, HTTP_SERVICE_UNAVAILABLE);
	assert_true(kgt_httpd_logged("KG-0406"));
}

static void test_post_bodies_are_read_bounded(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, kgt_flow_oidc_conf());
	char *big = apr_palloc(f->pool, 70 * 1024 + 1);
	kg_req *req;
	fake *x;

	/* a body is read whole, in pieces */
	x = fake_request(f->pool, f, NULL, "POST", "/keygate/logout");
	kgt_httpd.body = "return_to=%2Fbye&x=";
	kgt_httpd.body_len = strlen(kgt_httpd.body);
	req = kg_httpd_req_from(&x->r);
	assert_int_equal(kg_httpd_read_body(&x->r, req), OK);
	assert_int_equal(req->body_len, strlen(kgt_httpd.body));
	assert_string_equal(req->body, kgt_httpd.body);
	/* 3 KB arrives in 1000-byte pieces */
	memset(big, 'a', 3000);
	big[3000] = '\0';
	x = fake_request(f->pool, f, NULL, "POST", "/keygate/logout");
	kgt_httpd.body = big;
	kgt_httpd.body_len = 3000;
	req = kg_httpd_req_from(&x->r);
	assert_int_equal(kg_httpd_read_body(&x->r, req), OK);
	assert_int_equal(req->body_len, 3000);
	/* no body */
	x = fake_request(f->pool, f, NULL, "POST", "/keygate/logout");
	req = kg_httpd_req_from(&x->r);
	assert_int_equal(kg_httpd_read_body(&x->r, req), OK);
	assert_null(req->body);
	/* more than 64 KB: 413, through the endpoint hook, logged */
	memset(big, 'a', 70 * 1024);
	big[70 * 1024] = '\0';
	x = fake_request(f->pool, f, NULL, "POST", "/keygate/oidc/backchannel");
	kgt_httpd.body = big;
	kgt_httpd.body_len = 70 * 1024;
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0),
			 HTTP_REQUEST_ENTITY_TOO_LARGE);
	assert_true(kgt_httpd_logged("KG-0405 REJECT proto=parser "
				     "reason=body_too_large"));
	/* a refused setup passes its status on */
	x = fake_request(f->pool, f, NULL, "POST", "/keygate/oidc/backchannel");
	kgt_httpd.setup_rc = HTTP_LENGTH_REQUIRED;
	kgt_httpd.body = "x";
	kgt_httpd.body_len = 1;
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0),
			 HTTP_LENGTH_REQUIRED);
	/* a read body reaches the endpoint: a form without logout_token */
	x = fake_request(f->pool, f, NULL, "POST", "/keygate/oidc/backchannel");
	apr_table_set(x->r.headers_in, "Content-Type",
		      "application/x-www-form-urlencoded");
	kgt_httpd.body = "logout_token=not.a.jwt";
	kgt_httpd.body_len = strlen(kgt_httpd.body);
	assert_int_equal(kgt_hooks.quick_handler(&x->r, 0), DONE);
	assert_int_equal(x->r.status, HTTP_BAD_REQUEST);
	assert_true(kgt_httpd_logged("reason=oidc_logout_token"));
}

static void test_resp_apply_maps_each_action(void **state)
{
	apr_pool_t *pool = ((kgt_flow *)*state)->pool;
	fake *x = fake_request(pool, NULL, NULL, "GET", "/");
	kg_resp *resp;

	resp = kg_resp_make(pool);
	assert_int_equal(kg_httpd_resp_apply(&x->r, resp), DECLINED);
	resp->action = KG_RESP_CONTINUE;
	assert_int_equal(kg_httpd_resp_apply(&x->r, resp), OK);

	/* a failure: the table's status, the headers to the client */
	for (kg_rc rc = KG_ENOTFOUND; rc <= KG_EINTERNAL; rc++) {
		x = fake_request(pool, NULL, NULL, "GET", "/");
		resp = kg_resp_make(pool);
		apr_table_setn(resp->headers, "WWW-Authenticate", "Bearer");
		kg_resp_fail(resp, rc, "why");
		assert_int_equal(kg_httpd_resp_apply(&x->r, resp),
				 kgt_status_of_rc(rc));
		assert_string_equal(
			apr_table_get(x->r.err_headers_out, "WWW-Authenticate"),
			"Bearer");
	}
	/* a redirect */
	x = fake_request(pool, NULL, NULL, "GET", "/");
	resp = kg_resp_make(pool);
	apr_table_addn(resp->headers, "Set-Cookie", "a=1");
	apr_table_addn(resp->headers, "Set-Cookie", "b=2");
	kg_resp_redirect(resp, "/next");
	assert_int_equal(kg_httpd_resp_apply(&x->r, resp), 302);
	assert_string_equal(apr_table_get(x->r.err_headers_out, "Location"),
			    "/next");
	assert_int_equal(apr_table_elts(x->r.err_headers_out)->nelts, 3);
	/* a page with an error status: written with its own type (not
	 * httpd's error page, which would make it text/html latin-1) */
	x = fake_request(pool, NULL, NULL, "GET", "/");
	resp = kg_resp_make(pool);
	kg_resp_reply(resp, 403, "text/html", "<p>no</p>");
	assert_int_equal(kg_httpd_resp_apply(&x->r, resp), DONE);
	assert_int_equal(x->r.status, 403);
	assert_string_equal(x->r.content_type, "text/html");
	assert_string_equal(kgt_httpd.written, "<p>no</p>");
	/* a refusal with the core's body: the status rc maps to, the body */
	x = fake_request(pool, NULL, NULL, "GET", "/");
	resp = kg_resp_make(pool);
	kg_resp_fail(resp, KG_EBACKEND, "cache_unavailable");
	resp->content_type = "application/json";
	resp->body = "{}";
	resp->body_len = 2;
	assert_int_equal(kg_httpd_resp_apply(&x->r, resp), DONE);
	assert_int_equal(x->r.status, 503);
	assert_string_equal(x->r.content_type, "application/json");
	/* 200 with a body */
	x = fake_request(pool, NULL, NULL, "GET", "/");
	resp = kg_resp_make(pool);
	kg_resp_reply(resp, 200, "application/json", "{}\n");
	assert_int_equal(kg_httpd_resp_apply(&x->r, resp), OK);
	assert_int_equal(x->r.status, 200);
	assert_string_equal(x->r.content_type, "application/json");
	assert_string_equal(kgt_httpd.written, "{}\n");
}

static void test_config_records_are_found_and_merged(void **state)
{
	apr_pool_t *pool = ((kgt_flow *)*state)->pool;
	fake *x = fake_request(pool, NULL, NULL, "GET", "/");
	kg_httpd_server *base, *add;
	kg_conf_location *a, *b, *m;
	kg_httpd_request_state *st;

	assert_ptr_equal(kg_httpd_server_get(&x->s), &x->srv);
	assert_ptr_equal(kg_httpd_location_get(&x->r), x->dir_conf[0]);
	assert_null(kg_httpd_request_state_get(&x->r));
	st = kg_httpd_request_state_new(&x->r);
	assert_non_null(st);
	assert_ptr_equal(kg_httpd_request_state_get(&x->r), st);
	/* a virtual host without Keygate directives uses the main one's */
	base = kg_httpd_create_server(pool, &x->s);
	add = kg_httpd_create_server(pool, &x->s);
	assert_non_null(base->conf);
	assert_ptr_equal(kg_httpd_merge_server(pool, base, add), base);
	add->configured = true;
	assert_ptr_equal(kg_httpd_merge_server(pool, base, add), add);
	/* locations: the inner one's set fields win */
	a = kg_httpd_create_location(pool, "/");
	b = kg_httpd_create_location(pool, "/app");
	a->unauth = KG_UNAUTH_PASS;
	m = kg_httpd_merge_location(pool, a, b);
	assert_int_equal(kg_conf_location_unauth(m), KG_UNAUTH_PASS);
	b->unauth = KG_UNAUTH_401;
	m = kg_httpd_merge_location(pool, a, b);
	assert_int_equal(kg_conf_location_unauth(m), KG_UNAUTH_401);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_status_of_maps_each_rc_as_documented),
		KGT_FLOW(test_req_from_fills_the_neutral_request),
		KGT_FLOW(test_post_read_request_drops_a_forged_username),
		KGT_FLOW(test_the_authn_hook_scrubs_and_authenticates),
		KGT_FLOW(test_the_authn_hook_refuses_and_still_scrubs),
		KGT_FLOW(test_fixups_scrub_where_keygate_did_not_authenticate),
		KGT_FLOW(test_the_endpoint_hook_answers_under_the_prefix),
		KGT_FLOW(test_post_bodies_are_read_bounded),
		KGT_FLOW(test_resp_apply_maps_each_action),
		KGT_FLOW(test_config_records_are_found_and_merged),
	};

	return KGT_RUN(tests);
}
