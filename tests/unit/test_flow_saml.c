/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the SAML endpoints without Apache, against a real
 * redis-server (flow_fixture.h) and a SAML provider whose keys and
 * metadata are made at test time (saml_world.h): the SP metadata, the
 * signed AuthnRequest, ACS and SLO refusals, the SP-initiated logout of
 * a SAML session, and Keycloak's broker paths.
 *
 * Flow files covered:
 *   flow/login/saml.c         metadata, login (named and plain), acs
 *   flow/login/state.c        the login-state cookie
 *   flow/logout/saml.c        kg_logout_saml_start, slo refusals
 *   flow/logout/local.c       the SAML branch of PREFIX logout
 *   flow/core/state.c         kg_state_saml by alias
 *   flow/core/reply.c         kg_reply_saml_refuse
 *   flow/routes.c             saml/ALIAS/..., broker endpoint, descriptor
 *   flow/gateway.c            load_saml, kg_gateway_saml_metadata
 *   flow/process/metadata_refresh.c  a refresh that fails keeps the
 *                             last good metadata
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"
#include "tests/unit/jwt_world.h"
#include "tests/unit/saml_world.h"

#include "gateway/base/str.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <string.h>
#include <zlib.h>

/* Signing here meets xmlsec1's BIO leak: see xmlsec_leak.c. */

#define SP_BASE "https://" KGT_FLOW_HOST "/keygate/saml/corp/"

static kgt_flow *begin(void **state, const char *more)
{
	const kgt_saml_world *w = kgt_saml_world_get();

	return kgt_flow_begin_with(state,
				   apr_pstrcat(KGT_FLOW_POOL(state),
					       KGT_SAML_CONF("corp"),
					       more ? more : "", NULL),
				   KGT_SAML_FILES(w), NULL);
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

/* Fails unless resp redirects to the IdP service at url with a signed
 * SAML message param; returns its RelayState. */
static const char *expect_to_idp(const kg_resp *resp, apr_pool_t *pool,
				 const char *url, const char *param)
{
	const char *loc = kgt_resp_header(resp, "Location");

	if (resp->action != KG_RESP_REPLY || resp->status != 302 ||
	    loc == NULL || strncmp(loc, url, strlen(url)) != 0 ||
	    loc[strlen(url)] != '?')
		fail_msg("want a redirect to %s, got action %d status %d "
			 "Location %s (%s)",
			 url, (int)resp->action, resp->status,
			 loc ? loc : "(none)",
			 resp->reason ? resp->reason : "-");
	assert_non_null(url_param(pool, loc, param));
	assert_non_null(url_param(pool, loc, "SigAlg"));
	assert_non_null(url_param(pool, loc, "Signature"));
	assert_string_equal(kgt_resp_header(resp, "Cache-Control"), "no-store");
	return url_param(pool, loc, "RelayState");
}

/* The XML of the SAMLRequest in resp's Location (HTTP-Redirect binding:
 * base64, raw DEFLATE), NUL-terminated in pool. */
static const char *authn_request_xml(const kg_resp *resp, apr_pool_t *pool)
{
	const char *loc = kgt_resp_header(resp, "Location");
	const char *b64 = loc ? url_param(pool, loc, "SAMLRequest") : NULL;
	unsigned char *raw, *xml = apr_pcalloc(pool, 65536);
	z_stream z = {0};
	int len;

	assert_non_null(b64);
	raw = apr_palloc(pool, (apr_size_t)apr_base64_decode_len(b64));
	len = apr_base64_decode((char *)raw, b64);
	assert_true(len > 0);
	assert_int_equal(inflateInit2(&z, -15), Z_OK);
	z.next_in = raw;
	z.avail_in = (uInt)len;
	z.next_out = xml;
	z.avail_out = 65535;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	inflateEnd(&z);
	return (const char *)xml;
}

/* prompt=login on a SAML login sets ForceAuthn="true"; any other value
 * is ignored; KeygateSAMLForceAuthn On sets it always. */
static void test_prompt_login_forces_authn(void **state)
{
	kgt_flow *f = begin(state, NULL);
	static const char *const paths[] = {
		"/keygate/saml/corp/login?prompt=login",
		"/keygate/login?prompt=login&return_to=%2Fx",
	};
	static const char *const hostile[] = {"none", "LOGIN", "login%26a%3Db",
					      "consent"};
	kg_resp *resp;

	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/saml/corp/login"));
	(void)expect_to_idp(resp, f->pool, KGT_SAML_IDP_SSO, "SAMLRequest");
	assert_non_null(
		strstr(authn_request_xml(resp, f->pool), "AuthnRequest"));
	assert_null(strstr(authn_request_xml(resp, f->pool),
			   "ForceAuthn=\"true\""));
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		resp = kgt_endpoint(f, kgt_req(f, "GET", paths[i]));
		(void)expect_to_idp(resp, f->pool, KGT_SAML_IDP_SSO,
				    "SAMLRequest");
		assert_non_null(strstr(authn_request_xml(resp, f->pool),
				       "ForceAuthn=\"true\""));
	}
	for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
		resp = kgt_endpoint(
			f,
			kgt_req(f, "GET",
				apr_pstrcat(f->pool,
					    "/keygate/saml/corp/login?prompt=",
					    hostile[i], NULL)));
		(void)expect_to_idp(resp, f->pool, KGT_SAML_IDP_SSO,
				    "SAMLRequest");
		assert_null(strstr(authn_request_xml(resp, f->pool),
				   "ForceAuthn=\"true\""));
		assert_null(url_param(f->pool,
				      kgt_resp_header(resp, "Location"), "a"));
	}
}

/* KeygateSAMLForceAuthn On: ForceAuthn="true" with or without prompt. */
static void test_force_authn_setting_still_applies(void **state)
{
	kgt_flow *f = begin(state, "KeygateSAMLForceAuthn On\n");
	kg_resp *resp =
		kgt_endpoint(f, kgt_req(f, "GET", "/keygate/saml/corp/login"));

	(void)expect_to_idp(resp, f->pool, KGT_SAML_IDP_SSO, "SAMLRequest");
	assert_non_null(strstr(authn_request_xml(resp, f->pool),
			       "ForceAuthn=\"true\""));
}

static void test_the_sp_metadata_is_served(void **state)
{
	kgt_flow *f = begin(state, NULL);
	kg_resp *resp = kgt_endpoint(
		f, kgt_req(f, "GET", "/keygate/saml/corp/metadata"));
	const char *xml = NULL;
	kg_err err = {0};

	assert_int_equal(resp->action, KG_RESP_REPLY);
	assert_int_equal(resp->status, 200);
	assert_string_equal(resp->content_type, "application/samlmetadata+xml");
	assert_non_null(strstr(resp->body, "entityID=\"" SP_BASE "metadata\""));
	assert_non_null(strstr(resp->body, "Location=\"" SP_BASE "acs\""));
	assert_non_null(strstr(resp->body, "Location=\"" SP_BASE "slo\""));
	/* no private key in it */
	assert_null(strstr(resp->body, "PRIVATE"));
	/* the same as the CLI's (kg_gateway_saml_metadata) */
	assert_int_equal(
		kg_gateway_saml_metadata(f->pool, f->conf, "corp", &xml, &err),
		KG_OK);
	assert_string_equal(xml, resp->body);
	assert_int_equal(
		kg_gateway_saml_metadata(f->pool, f->conf, "nope", &xml, &err),
		KG_ENOTFOUND);
	/* other aliases: none */
	kgt_expect_fail(
		kgt_endpoint(f,
			     kgt_req(f, "GET", "/keygate/saml/other/metadata")),
		KG_ENOTFOUND, "no_such_provider");
}

static void test_login_sends_a_signed_authn_request(void **state)
{
	kgt_flow *f = begin(state, NULL);
	const char *relay, *set, *relay2;
	kg_resp *resp;

	resp = kgt_endpoint(
		f,
		kgt_req(f, "GET", "/keygate/saml/corp/login?return_to=%2Fx"));
	relay = expect_to_idp(resp, f->pool, KGT_SAML_IDP_SSO, "SAMLRequest");
	assert_non_null(relay);
	/* the RelayState is an opaque id, never the return path */
	assert_null(strstr(relay, "/x"));
	/* the request's id travels in a login-state cookie named after it,
	 * SameSite=None for the IdP's cross-site POST (Secure cookies) */
	set = kgt_set_cookie(resp, apr_pstrcat(f->pool, "keygate_login_",
					       apr_pstrndup(f->pool, relay, 16),
					       NULL));
	assert_non_null(set);
	assert_non_null(strstr(set, "SameSite=None"));
	assert_non_null(strstr(set, "Secure"));
	assert_non_null(strstr(set, "HttpOnly"));

	/* a plain PREFIX login goes to the only (SAML) provider */
	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/login"));
	relay2 = expect_to_idp(resp, f->pool, KGT_SAML_IDP_SSO, "SAMLRequest");
	assert_string_not_equal(relay, relay2);
}

static void test_acs_refuses_what_is_not_a_good_response(void **state)
{
	kgt_flow *f = begin(state, NULL);
	static const char *const bodies[] = {
		"RelayState=abc", "SAMLResponse=garbage",
		"SAMLResponse=PHNhbWxwOlJlc3BvbnNlLz4%3D", /* <samlp:Response/>
							    */
		"SAMLResponse=PD94bWwgdmVyc2lvbj0iMS4wIj8%2BPCFET0NUWVBFIHg%"
		"2BPHgv"
		"Pg%3D%3D", /* a DTD */
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		kg_req *req = kgt_req(f, "POST", "/keygate/saml/corp/acs");
		kg_resp *resp;
		kgt_req_body(req, "application/x-www-form-urlencoded",
			     bodies[i]);
		resp = kgt_endpoint(f, req);
		if (resp->action != KG_RESP_FAIL ||
		    (resp->rc != KG_EINVAL && resp->rc != KG_EAUTH))
			fail_msg("body %zu: action %d rc %s", i,
				 (int)resp->action, kg_rc_name(resp->rc));
		assert_null(kgt_set_cookie(resp, "keygate_session"));
	}
	assert_true(kgt_flow_logged(f, "KG-0521"));
	assert_int_equal(kgt_flow_count(f, NULL), 0);
}

static void test_logout_of_a_saml_session_goes_to_the_idp(void **state)
{
	kgt_flow *f = begin(state, NULL);
	kg_sess_record *rec = kgt_flow_record(f, "jdoe", NULL);
	const char *cookie, *relay;
	kg_req *req;
	kg_resp *resp;

	rec->protocol = "saml";
	rec->idp = "corp";
	rec->state.saml_name_id = "jdoe@corp.example";
	rec->state.saml_session_index = "_s1";
	cookie = kgt_flow_mint(f, rec);
	req = kgt_req(f, "GET", "/keygate/logout?return_to=%2Fbye");
	kgt_req_session(f, req, cookie);
	resp = kgt_endpoint(f, req);
	relay = expect_to_idp(resp, f->pool, KGT_SAML_IDP_SLO, "SAMLRequest");
	assert_non_null(relay);
	/* ended here first, whatever the IdP does */
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_ENOTFOUND);
	assert_string_equal(
		kgt_cookie_value(f->pool,
				 kgt_set_cookie(resp, "keygate_session")),
		"");
	assert_non_null(kgt_set_cookie(
		resp, apr_pstrcat(f->pool, "keygate_login_",
				  apr_pstrndup(f->pool, relay, 16), NULL)));

	/* a SAML session of a provider that is gone: local logout only */
	rec = kgt_flow_record(f, "jdoe", NULL);
	rec->protocol = "saml";
	rec->idp = "retired";
	rec->state.saml_name_id = "jdoe@corp.example";
	cookie = kgt_flow_mint(f, rec);
	req = kgt_req(f, "GET", "/keygate/logout?return_to=%2Fbye");
	kgt_req_session(f, req, cookie);
	resp = kgt_endpoint(f, req);
	assert_int_equal(resp->status, 302);
	assert_string_equal(kgt_resp_header(resp, "Location"), "/bye");
}

static void test_slo_refuses_what_is_not_a_good_message(void **state)
{
	kgt_flow *f = begin(state, NULL);
	const char *cookie = kgt_flow_session(f, "jdoe", NULL);
	static const char *const targets[] = {
		"/keygate/saml/corp/slo",
		"/keygate/saml/corp/slo?SAMLRequest=garbage",
		"/keygate/saml/corp/slo?SAMLResponse=garbage&RelayState=x",
		"/keygate/saml/corp/slo?SAMLRequest=fZBBa8MwDIX%2F&SigAlg=x&"
		"Signature=y",
	};

	for (size_t i = 0; i < sizeof(targets) / sizeof(*targets); i++) {
		kg_req *req = kgt_req(f, "GET", targets[i]);
		kg_resp *resp;
		kgt_req_session(f, req, cookie);
		resp = kgt_endpoint(f, req);
		if (resp->action != KG_RESP_FAIL ||
		    (resp->rc != KG_EINVAL && resp->rc != KG_EAUTH))
			fail_msg("%s: action %d rc %s", targets[i],
				 (int)resp->action, kg_rc_name(resp->rc));
		assert_string_equal(kgt_resp_header(resp, "Cache-Control"),
				    "no-store");
	}
	/* nothing was ended */
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_OK);
}

static void test_keycloak_broker_paths_route_to_the_alias(void **state)
{
	kgt_flow *f = begin(state, "KeygateSAMLKeycloakPaths domino\n");
	kg_resp *resp;
	kg_req *req;

	resp = kgt_endpoint(
		f,
		kgt_req(f, "GET",
			"/auth/realms/domino/broker/corp/endpoint/descriptor"));
	assert_int_equal(resp->status, 200);
	assert_non_null(
		strstr(resp->body, "/auth/realms/domino/broker/corp/endpoint"));
	/* an unknown alias goes to the handler, which knows no such
	 * provider; an unknown name is no endpoint */
	kgt_expect_fail(kgt_endpoint(f, kgt_req(f, "GET",
						"/auth/realms/domino/broker/"
						"nope/endpoint/descriptor")),
			KG_ENOTFOUND, "no_such_provider");
	kgt_expect_fail(kgt_endpoint(f, kgt_req(f, "GET",
						"/auth/realms/domino/broker/"
						"corp/elsewhere")),
			KG_ENOTFOUND, "no_such_endpoint");
	/* another realm is not ours */
	assert_int_equal(kgt_endpoint(f, kgt_req(f, "GET",
						 "/auth/realms/other/broker/"
						 "corp/endpoint/descriptor"))
				 ->action,
			 KG_RESP_DECLINE);
	/* wrong method on the descriptor */
	resp = kgt_endpoint(
		f,
		kgt_req(f, "POST",
			"/auth/realms/domino/broker/corp/endpoint/descriptor"));
	assert_int_equal(resp->status, 405);
	/* the broker endpoint: a POST that is no login is an SLO message */
	req = kgt_req(f, "POST", "/auth/realms/domino/broker/corp/endpoint");
	kgt_req_body(req, "application/x-www-form-urlencoded",
		     "SAMLRequest=garbage");
	resp = kgt_endpoint(f, req);
	assert_int_equal(resp->action, KG_RESP_FAIL);
	assert_int_equal(kgt_status(resp), 400);
	req = kgt_req(f, "POST", "/auth/realms/domino/broker/corp/endpoint");
	kgt_req_body(req, "application/x-www-form-urlencoded",
		     "SAMLResponse=garbage");
	resp = kgt_endpoint(f, req);
	assert_int_equal(resp->action, KG_RESP_FAIL);
	assert_int_equal(kgt_status(resp), 400);
}

static void test_a_broken_provider_does_not_open(void **state)
{
	kgt_flow *f;
	kg_err err;

	/* kg_gateway_check refuses an SP key without its certificate
	 * before it reads any file */
	assert_int_equal(
		kgt_flow_try(state,
			     "KeygateSAMLProvider corp @DIR@/missing.xml\n"
			     "KeygateSAMLSPKey @DIR@/sp.key\n",
			     &f, &err),
		KG_ECONFIG);
	assert_non_null(strstr(err.msg, "KeygateSAMLSPCert"));
	assert_null(f->gw);
}

static void test_a_failed_metadata_refresh_keeps_the_last_good(void **state)
{
	const kgt_saml_world *w = kgt_saml_world_get();
	kgt_world *http = kgt_world_get();
	kgt_flow *f;
	kg_resp *resp;

	/* the refresh URL serves the metadata unsigned: not taken */
	kgt_http_route(http->http, "/saml/idp.xml", 200, "application/xml",
		       w->idp_metadata);
	f = kgt_flow_begin_with(
		state,
		kg_psprintf(KGT_FLOW_POOL(state),
			    KGT_SAML_CONF("corp") "KeygateSAMLMetadataRefresh "
						  "corp %s @DIR@/pin.crt "
						  "60\n",
			    kgt_http_url(http->http, KGT_FLOW_POOL(state),
					 "/saml/idp.xml")),
		KGT_SAML_FILES(w), "pin.crt", w->sp_cert_pem, NULL);
	resp = kgt_endpoint(f,
			    kgt_req(f, "GET", "/keygate/saml/corp/metadata"));
	assert_int_equal(resp->status, 200);
	assert_int_equal(kgt_http_hits(http->http, "/saml/idp.xml"), 1);
	assert_true(kgt_flow_logged(f, "KG-0541"));
	assert_false(kgt_flow_logged(f, "KG-0540"));
	/* the old metadata still works: a login still goes to its SSO */
	resp = kgt_endpoint(f, kgt_req(f, "GET", "/keygate/saml/corp/login"));
	assert_int_equal(resp->status, 302);
	assert_int_equal(strncmp(kgt_resp_header(resp, "Location"),
				 KGT_SAML_IDP_SSO "?",
				 strlen(KGT_SAML_IDP_SSO) + 1),
			 0);
	/* not fetched again before its interval */
	assert_int_equal(kgt_http_hits(http->http, "/saml/idp.xml"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_the_sp_metadata_is_served),
		KGT_FLOW(test_login_sends_a_signed_authn_request),
		KGT_FLOW(test_prompt_login_forces_authn),
		KGT_FLOW(test_force_authn_setting_still_applies),
		KGT_FLOW(test_acs_refuses_what_is_not_a_good_response),
		KGT_FLOW(test_logout_of_a_saml_session_goes_to_the_idp),
		KGT_FLOW(test_slo_refuses_what_is_not_a_good_message),
		KGT_FLOW(test_keycloak_broker_paths_route_to_the_alias),
		KGT_FLOW(test_a_broken_provider_does_not_open),
		KGT_FLOW(test_a_failed_metadata_refresh_keeps_the_last_good),
	};

	return KGT_RUN(tests);
}
