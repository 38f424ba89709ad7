/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the pages a person sees and the answers an API
 * client gets instead.
 *
 *   conf/pages.c              templates: placeholders, FILE:LINE:COL
 *                             errors, a template directory
 *   flow/core/page.c          rendering (escaped values), refusals as
 *                             pages or JSON with a logged reference id
 *   flow/login/signin.c       the sign-in page, hints, email domains
 *   flow/logout/local.c       the signed-out page
 *   flow/authn/preserve.c     form POSTs kept across a login
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"
#include "tests/unit/saml_world.h"

#include "conf/pages.h"
#include "gateway/base/json.h"
#include "gateway/base/str.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>

/* kgt_authenticate with a throw-away caller. */
static kg_resp *authn(kgt_flow *f, const kg_conf_location *loc, kg_req *req)
{
	kg_caller *caller = apr_pcalloc(f->pool, sizeof(*caller));

	return kgt_authenticate(f, loc, req, caller);
}

static void test_a_template_is_text_and_placeholders(void **state)
{
	apr_pool_t *pool = *state;
	kg_page_template t;
	const char *text = "<h1>{{title}}</h1>\n<p>{{ message }}</p>";

	assert_null(kg_conf_page_parse(pool, "t.html", text, strlen(text), &t));
	assert_int_equal(t.parts->nelts, 5);
	assert_int_equal(APR_ARRAY_IDX(t.parts, 1, kg_page_part).var,
			 KG_PV_TITLE);
	assert_int_equal(APR_ARRAY_IDX(t.parts, 3, kg_page_part).var,
			 KG_PV_MESSAGE);
}

static void test_a_bad_template_names_file_line_and_column(void **state)
{
	apr_pool_t *pool = *state;
	kg_page_template t;
	const char *bad = "<h1>{{title}}</h1>\n  <p>{{mesage}}</p>";
	const char *open = "<p>{{title</p>";
	const char *msg;

	msg = kg_conf_page_parse(pool, "/x/denied.html", bad, strlen(bad), &t);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "/x/denied.html:2:6: unknown placeholder "
				    "{{mesage}}"));
	assert_non_null(strstr(msg, "signin_url"));
	msg = kg_conf_page_parse(pool, "e.html", open, strlen(open), &t);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "e.html:1:4:"));
	/* every built-in parses, and names every page's file */
	{
		kg_conf_pages p;
		kg_conf_pages_defaults(pool, &p);
		for (int i = 0; i < KG_PAGE_COUNT; i++)
			assert_true(p.templates[i].parts->nelts > 3);
		assert_true(p.preserve_post); /* the user's work is kept */
		assert_int_equal(p.preserve_post_max, 65536);
	}
}

/* Writes text to dir/name. */
static void put(apr_pool_t *pool, const char *dir, const char *name,
		const char *text)
{
	apr_file_t *f;
	apr_size_t n = strlen(text);

	assert_int_equal(apr_file_open(&f,
				       apr_pstrcat(pool, dir, "/", name, NULL),
				       APR_FOPEN_WRITE | APR_FOPEN_CREATE |
					       APR_FOPEN_TRUNCATE,
				       APR_FPROT_OS_DEFAULT, pool),
			 APR_SUCCESS);
	assert_int_equal(apr_file_write_full(f, text, n, &n), APR_SUCCESS);
	apr_file_close(f);
}

static void test_a_template_directory_is_checked_whole(void **state)
{
	apr_pool_t *pool = *state;
	char *dir = apr_pstrdup(pool, "/tmp/kgt-pages.XXXXXX");
	kg_conf *conf = kg_conf_make(pool);
	const char *msg;

	assert_non_null(mkdtemp(dir));
	put(pool, dir, "denied.html", "<p>{{message}}</p>");
	put(pool, dir, "notes.txt", "{{ignored}}");
	assert_null(kg_conf_pages_load(pool, dir, &conf->pages));
	assert_string_equal(conf->pages.templates[KG_PAGE_DENIED].source,
			    apr_pstrcat(pool, dir, "/denied.html", NULL));
	assert_string_equal(conf->pages.templates[KG_PAGE_LIMIT].source,
			    "built-in");
	put(pool, dir, "signin.html", "ok\n{{providers_html}}\n{{nope}}");
	msg = kg_conf_pages_load(pool, dir, &conf->pages);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "/signin.html:3:1: unknown placeholder"));
	apr_file_remove(apr_pstrcat(pool, dir, "/signin.html", NULL), pool);
	put(pool, dir, "sign-in.html", "{{title}}");
	msg = kg_conf_pages_load(pool, dir, &conf->pages);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "no page is called sign-in.html"));
	assert_non_null(
		kg_conf_pages_load(pool, "/nonexistent-kg", &conf->pages));
	apr_file_remove(apr_pstrcat(pool, dir, "/sign-in.html", NULL), pool);
	apr_file_remove(apr_pstrcat(pool, dir, "/denied.html", NULL), pool);
	apr_file_remove(apr_pstrcat(pool, dir, "/notes.txt", NULL), pool);
	apr_dir_remove(dir, pool);
}

static kg_req *browser(kgt_flow *f, const char *method, const char *target)
{
	kg_req *req = kgt_req(f, method, target);

	kgt_req_header(req, "Accept", "text/html,application/xhtml+xml");
	return req;
}

/* The reference id in an error page or JSON body (after marker). */
static const char *reference_in(kgt_flow *f, const char *body,
				const char *marker)
{
	const char *at = strstr(body, marker);

	assert_non_null(at);
	at += strlen(marker);
	return apr_pstrndup(f->pool, at, 8);
}

static void
test_a_refusal_is_a_page_or_json_with_a_logged_reference(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, kgt_flow_oidc_conf());
	kg_resp *resp;
	const char *ref;
	kg_json *j;

	/* a browser: the error page, no HTML for anyone else */
	resp = kgt_endpoint(
		f, browser(f, "GET", "/keygate/oidc/callback?state=x&code=y"));
	assert_int_equal(resp->action, KG_RESP_FAIL);
	assert_int_equal(kgt_status(resp), 400);
	assert_string_equal(resp->content_type, "text/html; charset=utf-8");
	assert_non_null(strstr(resp->body, "<html lang=\"en\">"));
	assert_non_null(strstr(resp->body, "This sign-in has expired"));
	assert_non_null(
		strstr(resp->body, "href=\"/keygate/login?return_to=%2F\""));
	ref = reference_in(f, resp->body, "<code id=\"reference\">");
	assert_true(kgt_flow_logged(
		f, apr_pstrcat(f->pool, "KG-0440 REFUSED ref=", ref,
			       " reason=oidc_state", NULL)));
	assert_non_null(strstr(kgt_resp_header(resp, "Content-Security-Policy"),
			       "default-src 'none'"));

	/* an API client without credentials: JSON, RFC 6750 challenge */
	resp = authn(f, kgt_loc(f, KG_UNAUTH_AUTO, NULL),
		     kgt_req(f, "GET", "/api/x"));
	assert_int_equal(kgt_status(resp), 401);
	assert_string_equal(resp->content_type, "application/json");
	j = kgt_json(f->pool, resp->body);
	assert_string_equal(kg_json_str(j, "error"), "unauthorized");
	assert_string_equal(kg_json_str(j, "reason"), "no_credentials");
	ref = kg_json_str(j, "reference");
	assert_true(kgt_flow_logged(f, apr_pstrcat(f->pool, "ref=", ref,
						   " reason=no_credentials",
						   NULL)));
	assert_string_equal(kgt_resp_header(resp, "WWW-Authenticate"),
			    "Bearer realm=\"keygate\"");
	/* a bad token: invalid_token in both */
	{
		kg_req *req = kgt_req(f, "GET", "/api/x");
		kgt_req_header(req, "Authorization", "Bearer not.a.jwt");
		resp = authn(f, kgt_loc(f, KG_UNAUTH_AUTO, NULL), req);
		assert_int_equal(kgt_status(resp), 401);
		j = kgt_json(f->pool, resp->body);
		assert_string_equal(kg_json_str(j, "error"), "invalid_token");
		assert_non_null(
			strstr(kgt_resp_header(resp, "WWW-Authenticate"),
			       "error=\"invalid_token\""));
	}
	/* Redis down: 503, temporarily_unavailable, logged as an error */
	kgt_flow_stop_redis(f);
	{
		kg_req *req = kgt_req(f, "GET", "/api/x");
		kgt_req_cookie(req, "keygate_session",
			       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
		resp = authn(f, kgt_loc(f, KG_UNAUTH_AUTO, NULL), req);
	}
	assert_int_equal(kgt_status(resp), 503);
	j = kgt_json(f->pool, resp->body);
	assert_string_equal(kg_json_str(j, "error"), "temporarily_unavailable");
	ref = kg_json_str(j, "reference");
	assert_true(kgt_flow_logged(
		f, apr_pstrcat(f->pool, "KG-0441 REFUSED ref=", ref,
			       " reason=cache_unavailable", NULL)));
}

static void test_logout_lands_on_the_signed_out_page(void **state)
{
	kgt_flow *f = kgt_flow_begin_with(
		state, "KeygatePageTemplates @DIR@\n", "signed-out.html",
		"<p>{{title}}|{{message}}|{{signin_url}}|{{return_to}}</p>"
		"<a href=\"{{signout_url}}\">x</a>",
		NULL);
	kg_resp *resp = kgt_endpoint(f, browser(f, "GET", "/keygate/logout"));

	assert_int_equal(resp->status, 302);
	assert_string_equal(kgt_resp_header(resp, "Location"),
			    "/keygate/signed-out");
	resp = kgt_endpoint(f, browser(f, "GET", "/keygate/signed-out"));
	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->body,
			    "<p>You are signed out|You have signed out of "
			    "Domino. Close the browser if others use this "
			    "computer.|/keygate/login?return_to=%2F|/</p>"
			    "<a href=\"/keygate/logout\">x</a>");
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
}

/* A gateway with a SAML provider "corp-saml" and the OIDC provider
 * "corp", and what more adds. */
static kgt_flow *two_providers(void **state, const char *more)
{
	const kgt_saml_world *w = kgt_saml_world_get();

	return kgt_flow_begin_with(
		state,
		apr_pstrcat(KGT_FLOW_POOL(state), KGT_SAML_CONF("corp-saml"),
			    kgt_flow_oidc_conf(), more ? more : "", NULL),
		KGT_SAML_FILES(w), NULL);
}

static void test_the_sign_in_page_lists_every_provider(void **state)
{
	kgt_flow *f = two_providers(
		state, "KeygateProviderDisplay corp \"Contractors <OIDC>\" 1\n"
		       "KeygateProviderDisplay corp-saml \"\" 2\n"
		       "KeygateProviderEmailDomains corp-saml example.com\n");
	kg_resp *resp = kgt_endpoint(
		f, browser(f, "GET", "/keygate/login?return_to=%2Fprojects"));
	const char *body = resp->body, *a, *b;

	assert_int_equal(resp->status, 200);
	a = strstr(body, "id=\"provider-corp\"");
	b = strstr(body, "id=\"provider-corp-saml\"");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b); /* in order */
	assert_non_null(strstr(body, ">Contractors &lt;OIDC&gt;</a>"));
	assert_non_null(strstr(body, ">Continue with Single Sign On</a>"));
	assert_non_null(strstr(body, "href=\"/keygate/login?idp=corp-saml&amp;"
				     "return_to=%2Fprojects\""));
	assert_non_null(strstr(body, "<label for=\"email\">"));
	assert_non_null(strstr(body, "name=\"return_to\" value=\"/projects\""));
	assert_non_null(strstr(body, "<main id=\"main\">"));

	/* kc_idp_hint and idp= skip the page, return path kept */
	resp = kgt_endpoint(f, browser(f, "GET",
				       "/keygate/login?kc_idp_hint=corp-saml&"
				       "return_to=%2Fprojects"));
	assert_int_equal(resp->status, 302);
	assert_non_null(
		strstr(kgt_resp_header(resp, "Location"), "SAMLRequest="));
	resp = kgt_endpoint(f, browser(f, "GET", "/keygate/login?idp=corp"));
	assert_int_equal(resp->status, 302);
	assert_non_null(strstr(kgt_resp_header(resp, "Location"),
			       "response_type=code"));
	/* the email domain picks the provider */
	resp = kgt_endpoint(
		f, browser(f, "GET", "/keygate/login?email=Jo%40Example.COM"));
	assert_int_equal(resp->status, 302);
	assert_non_null(
		strstr(kgt_resp_header(resp, "Location"), "SAMLRequest="));
	resp = kgt_endpoint(
		f, browser(f, "GET", "/keygate/login?email=jo%40other.org"));
	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body, "No sign-in option is set up"));
	assert_true(kgt_flow_logged(f, "KG-0445"));
}

/* Domino's rule for the button text: a display text that is the alias
 * shows "Continue with Single Sign On", any other text is the button. */
static void
test_a_display_text_equal_to_the_alias_reads_the_default(void **state)
{
	kgt_flow *f = two_providers(
		state, "KeygateProviderDisplay corp corp 1\n"
		       "KeygateProviderDisplay corp-saml Corp 2\n");
	kg_resp *resp = kgt_endpoint(f, browser(f, "GET", "/keygate/login"));

	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body, "return_to=%2F\">Continue with "
					   "Single Sign On</a>"));
	assert_null(strstr(resp->body, ">corp</a>"));
	assert_non_null(strstr(resp->body, ">Corp</a>"));
}

/* Keycloak's authorization endpoint (old bookmarks, Keycloak links with
 * kc_idp_hint) is the sign-in: the hint skips the page, redirect_uri on
 * this origin is the return path, an off-site one becomes "/". */
static void test_keycloaks_auth_endpoint_is_the_sign_in(void **state)
{
	static const char auth[] =
		"/auth/realms/DominoRealm/protocol/openid-connect/auth?"
		"client_id=domino-play&response_type=code&scope=openid&";
	kgt_flow *f = two_providers(state, NULL);
	kg_resp *resp;

	resp = kgt_endpoint(
		f,
		browser(f, "GET",
			apr_pstrcat(f->pool, auth,
				    "redirect_uri=https%3A%2F%2Fgw.example%2F"
				    "projects%3Fx%3D1",
				    NULL)));
	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body, "href=\"/keygate/login?idp=corp&amp;"
					   "return_to=%2Fprojects%3Fx%3D1\""));
	resp = kgt_endpoint(
		f,
		browser(f, "GET",
			apr_pstrcat(f->pool, auth,
				    "redirect_uri=%2Fp&kc_idp_hint=corp-saml&"
				    "prompt=login",
				    NULL)));
	assert_int_equal(resp->status, 302);
	assert_non_null(
		strstr(kgt_resp_header(resp, "Location"), "SAMLRequest="));
	resp = kgt_endpoint(f, browser(f, "GET",
				       apr_pstrcat(f->pool, auth,
						   "kc_idp_hint=corp", NULL)));
	assert_int_equal(resp->status, 302);
	assert_non_null(strstr(kgt_resp_header(resp, "Location"),
			       "response_type=code"));
	/* off-site: refused, "/" */
	resp = kgt_endpoint(
		f, browser(f, "GET",
			   apr_pstrcat(f->pool, auth,
				       "redirect_uri=https%3A%2F%2Fgw.example."
				       "evil.example%2F&kc_idp_hint=nope",
				       NULL)));
	assert_int_equal(resp->status, 200);
	assert_null(kgt_resp_header(resp, "Location"));
	assert_non_null(strstr(resp->body, "role=\"status\""));
	assert_non_null(strstr(resp->body, "return_to=%2F\""));
	assert_null(strstr(resp->body, "evil"));
	assert_true(kgt_flow_logged(f, "KG-0403"));
	assert_true(kgt_flow_logged(f, "KG-0444"));
}

/* The sign-in page reached with prompt=login keeps it on every button
 * and in the email form; without it, none. */
static void test_the_sign_in_page_carries_prompt_login(void **state)
{
	kgt_flow *f = two_providers(
		state, "KeygateProviderEmailDomains corp-saml example.com\n");
	kg_resp *resp = kgt_endpoint(f, browser(f, "GET",
						"/keygate/login?return_to=%2Fp&"
						"prompt=login"));

	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body,
			       "href=\"/keygate/login?idp=corp&amp;"
			       "return_to=%2Fp&amp;prompt=login\""));
	assert_non_null(strstr(resp->body,
			       "href=\"/keygate/login?idp=corp-saml&amp;"
			       "return_to=%2Fp&amp;prompt=login\""));
	assert_non_null(strstr(resp->body, "<input type=\"hidden\" "
					   "name=\"prompt\" value=\"login\">"));
	/* a hostile value is not carried */
	resp = kgt_endpoint(
		f, browser(f, "GET", "/keygate/login?prompt=%22%3E%3Cx"));
	assert_int_equal(resp->status, 200);
	assert_null(strstr(resp->body, "prompt"));
	assert_null(strstr(resp->body, "<x"));
}

static void test_a_hostile_hint_shows_the_page_never_a_redirect(void **state)
{
	kgt_flow *f = two_providers(state, NULL);
	static const char *const hints[] = {
		"https://evil.example/",     "//evil.example", "corp/../x",
		"<script>alert(1)</script>", "corp%00",	       "CORP",
	};

	for (size_t i = 0; i < sizeof(hints) / sizeof(*hints); i++) {
		for (int p = 0; p < 2; p++) {
			kg_resp *resp = kgt_endpoint(
				f,
				browser(f, "GET",
					apr_pstrcat(
						f->pool, "/keygate/login?",
						p ? "idp=" : "kc_idp_hint=",
						kg_str_url_encode(f->pool,
								  hints[i]),
						"&return_to=%2F%2Fevil.example",
						NULL)));
			if (resp->status != 200 ||
			    kgt_resp_header(resp, "Location") ||
			    strstr(resp->body, "<script") ||
			    !strstr(resp->body, "role=\"status\""))
				fail_msg("hint %s: status %d", hints[i],
					 resp->status);
			/* the off-site return path became / */
			assert_non_null(strstr(resp->body, "return_to=%2F\""));
		}
	}
	assert_true(kgt_flow_logged(f,
				    "KG-0444 REJECT proto=login "
				    "reason=unknown_hint param=kc_idp_hint"));
	assert_true(kgt_flow_logged(f, "param=idp"));
	assert_true(kgt_flow_logged(f, "KG-0403"));
}

static void test_one_provider_goes_straight_to_it(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, kgt_flow_oidc_conf());
	kg_resp *resp = kgt_endpoint(f, browser(f, "GET", "/keygate/login"));

	assert_int_equal(resp->status, 302);
	assert_non_null(strstr(kgt_resp_header(resp, "Location"),
			       "response_type=code"));
}

/* A same-site browser form POST to a location that logs in. */
static kg_req *form_post(kgt_flow *f, const char *origin, const char *body)
{
	kg_req *req = browser(f, "POST", "/app/form?x=1");

	kgt_req_body(req, "application/x-www-form-urlencoded", body);
	if (origin)
		kgt_req_header(req, "Origin", origin);
	return req;
}

static void test_a_form_post_is_kept_in_the_browser(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, "KeygatePreservePost On\n"
					    "KeygatePreservePostMax 64\n");
	kg_conf_location *loc = kgt_loc(f, KG_UNAUTH_LOGIN, NULL);
	kg_resp *resp;
	const char *csp, *token;

	resp = authn(f, loc,
		     form_post(f, "https://gw.example", "a=1&b=%3Cx%3E"));
	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body, "data-action=\"/app/form?x=1\""));
	assert_non_null(strstr(resp->body, "data-body=\"a=1&amp;b=%3Cx%3E\""));
	assert_non_null(strstr(
		resp->body,
		"data-next=\"/keygate/login?return_to=%2Fkeygate%2Fpost%2F"
		"replay%3Ft%3D"));
	csp = kgt_resp_header(resp, "Content-Security-Policy");
	assert_non_null(strstr(csp, "script-src 'nonce-"));
	assert_true(kgt_flow_logged(f, "KG-0442 PRESERVE"));
	token = strstr(resp->body, "data-token=\"") + strlen("data-token=\"");
	token = apr_pstrndup(f->pool, token, 32);
	/* the body is nowhere in Redis: there is no session and no key */
	assert_int_equal(kgt_flow_count(f, NULL), 0);

	/* cross-site, too large or not a form: not kept, to the login */
	resp = authn(f, loc, form_post(f, "https://evil.example", "a=1"));
	assert_int_equal(resp->status, 302);
	assert_true(kgt_flow_logged(f, "KG-0443 REJECT proto=post "
				       "reason=cross_site"));
	resp = authn(f, loc, form_post(f, NULL, "a=1"));
	assert_int_equal(resp->status, 302);
	{
		kg_req *req = form_post(f, NULL, "a=1");
		kgt_req_header(req, "Sec-Fetch-Site", "cross-site");
		kgt_req_header(req, "Referer", "https://gw.example/app");
		resp = authn(f, loc, req);
		assert_int_equal(resp->status, 302);
	}
	resp = authn(f, loc,
		     form_post(f, "https://gw.example",
			       "a=0123456789012345678901234567890123456789"
			       "0123456789012345678901234567890123456789"));
	assert_int_equal(resp->status, 302);
	assert_true(kgt_flow_logged(f, "reason=too_large"));

	/* the replay page: to the login without a session, then the page */
	resp = kgt_endpoint(
		f, browser(f, "GET",
			   apr_pstrcat(f->pool, "/keygate/post/replay?t=",
				       token, NULL)));
	assert_int_equal(resp->status, 302);
	{
		const char *cookie = kgt_flow_session(f, "jdoe", NULL);
		kg_req *req = browser(
			f, "GET",
			apr_pstrcat(f->pool, "/keygate/post/replay?t=", token,
				    NULL));
		kgt_req_session(f, req, cookie);
		resp = kgt_endpoint(f, req);
		assert_int_equal(resp->status, 200);
		assert_non_null(strstr(resp->body, "data-token=\""));
		assert_non_null(strstr(resp->body, "f.submit()"));
		assert_non_null(
			strstr(kgt_resp_header(resp, "Content-Security-Policy"),
			       "form-action 'self'"));
		req = browser(f, "GET", "/keygate/post/replay?t=short");
		kgt_req_session(f, req, cookie);
		resp = kgt_endpoint(f, req);
		assert_int_equal(kgt_status(resp), 400);
	}
}

static void
test_an_auto_location_sends_a_refused_post_to_the_login(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, "KeygatePreservePost On\n");
	kg_conf_location *loc = kgt_loc(f, KG_UNAUTH_AUTO, NULL);
	kg_resp *resp;

	/* kept: the page; cross-site: the login (a person, not a 401) */
	resp = authn(f, loc, form_post(f, "https://gw.example", "a=1"));
	assert_int_equal(resp->status, 200);
	resp = authn(f, loc, form_post(f, "https://evil.example", "a=1"));
	assert_int_equal(resp->status, 302);
	assert_string_equal(kgt_resp_header(resp, "Location"),
			    "/keygate/login?return_to=%2Fapp%2Fform%3Fx%3D1");
	/* an API client's POST: 401 JSON as before */
	{
		kg_req *req = kgt_req(f, "POST", "/app/form");
		kgt_req_body(req, "application/x-www-form-urlencoded", "a=1");
		resp = authn(f, loc, req);
		assert_int_equal(kgt_status(resp), 401);
		assert_string_equal(resp->content_type, "application/json");
	}
}

static void test_by_default_a_form_post_is_kept(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_resp *resp = authn(f, kgt_loc(f, KG_UNAUTH_LOGIN, NULL),
			      form_post(f, "https://gw.example", "a=1"));

	assert_int_equal(resp->status, 200);
	assert_non_null(strstr(resp->body, "data-body=\"a=1\""));
	assert_true(kgt_flow_logged(f, "KG-0442"));
}

static void test_off_a_form_post_goes_to_the_login(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, "KeygatePreservePost Off\n");
	kg_resp *resp = authn(f, kgt_loc(f, KG_UNAUTH_LOGIN, NULL),
			      form_post(f, "https://gw.example", "a=1"));

	assert_int_equal(resp->status, 302);
	assert_false(kgt_flow_logged(f, "KG-0442"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_a_template_is_text_and_placeholders),
		KGT(test_a_bad_template_names_file_line_and_column),
		KGT(test_a_template_directory_is_checked_whole),
		KGT_FLOW(
			test_a_refusal_is_a_page_or_json_with_a_logged_reference),
		KGT_FLOW(test_logout_lands_on_the_signed_out_page),
		KGT_FLOW(test_the_sign_in_page_lists_every_provider),
		KGT_FLOW(test_the_sign_in_page_carries_prompt_login),
		KGT_FLOW(test_keycloaks_auth_endpoint_is_the_sign_in),
		KGT_FLOW(
			test_a_display_text_equal_to_the_alias_reads_the_default),
		KGT_FLOW(test_a_hostile_hint_shows_the_page_never_a_redirect),
		KGT_FLOW(test_one_provider_goes_straight_to_it),
		KGT_FLOW(test_a_form_post_is_kept_in_the_browser),
		KGT_FLOW(
			test_an_auto_location_sends_a_refused_post_to_the_login),
		KGT_FLOW(test_by_default_a_form_post_is_kept),
		KGT_FLOW(test_off_a_form_post_goes_to_the_login),
	};

	return KGT_RUN(tests);
}
