/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the OIDC relying party against a loopback provider:
 * discovery (and the issuer mix-up defence), the login URL (PKCE S256),
 * code redemption with client_secret_basic and _post, state and nonce
 * mismatches, token-endpoint errors, garbage and outages, at_hash,
 * userinfo, refresh, the logout URL and back-channel logout tokens.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"
#include "tests/unit/jwt_world.h"

#include "conf/conf.h"
#include "gateway/proto/oidc/oidc.h"
#include "gateway/proto/oidc/oidc_int.h" /* kg_oidc_pkce_challenge */
#include "gateway/base/rand.h"

#include <apr_escape.h>
#include <apr_strings.h>
#include <string.h>

#define REDIRECT "https://gw.example/keygate/oidc/callback"

/* A provider of the world with client "client", secret "s3cret". */
static kg_oidc *provider(apr_pool_t *pool, kg_oidc_client_auth auth,
			 bool userinfo)
{
	kgt_world *w = kgt_world_get();
	kg_conf *conf = kg_conf_make(pool);
	kg_oidc *o;
	kg_err err;

	conf->oidc.issuer = w->issuer;
	conf->oidc.client_id = "client";
	conf->oidc.client_secret.bytes = (const unsigned char *)"s3cret";
	conf->oidc.client_secret.len = 6;
	conf->oidc.client_auth = auth;
	conf->oidc.userinfo = userinfo;
	conf->oidc.timeout_s = 2;
	kg_err_clear(&err);
	assert_int_equal(kg_oidc_open(pool, &conf->oidc, NULL, &o, &err),
			 KG_OK);
	return o;
}

/* Starts a login and returns its pending record. */
static kg_oidc_pending start(apr_pool_t *pool, kg_oidc *o)
{
	kg_oidc_pending p;
	const char *url;
	kg_err err;

	kg_err_clear(&err);
	assert_int_equal(kg_oidc_login_url(o, pool, REDIRECT, "/app", false,
					   KGT_NOW_MS, &p, &url, &err),
			 KG_OK);
	return p;
}

/* An ID token for the login with nonce, signed by k1; extra is added to
 * the claims (' for ", may be ""). */
static const char *id_token(apr_pool_t *pool, const char *nonce,
			    const char *extra)
{
	kgt_world *w = kgt_world_get();

	return kgt_jws(
		pool, w->rsa, "RS256", "{'alg':'RS256','kid':'k1'}",
		kgt_claims(pool, w,
			   kg_psprintf(pool,
				       "{'iss':'ISS','aud':'client','sub':'u1',"
				       "'sid':'s-1','exp':T+300,'iat':T-0,"
				       "'nonce':'%s','email':'a@b.c'%s}",
				       nonce, extra)));
}

/* Sets the token endpoint's answer. */
static void token_answer(apr_pool_t *pool, int status, const char *body)
{
	kgt_http_route(kgt_world_get()->http, "/token", status,
		       "application/json", body);
}

static const char *token_body(apr_pool_t *pool, const char *id)
{
	return kg_psprintf(
		pool,
		"{\"access_token\":\"at-1\",\"token_type\":\"Bearer\","
		"\"expires_in\":300,\"refresh_token\":\"rt-1\","
		"\"id_token\":\"%s\"}",
		id);
}

/* Redeems code "c-1" for pending p with state; returns rc, err filled. */
static kg_rc redeem(apr_pool_t *pool, kg_oidc *o, const kg_oidc_pending *p,
		    const char *state, kg_oidc_tokens *t, kg_err *err)
{
	kg_err_clear(err);
	return kg_oidc_redeem(o, pool, p, state, "c-1", REDIRECT, KGT_NOW_MS, t,
			      err);
}

#define EXPECT(call, rc, reason)                                               \
	do {                                                                   \
		kg_rc got_ = (call);                                           \
		if (got_ != (rc) ||                                            \
		    strncmp(err.msg, reason, strlen(reason)) != 0)             \
			fail_msg("%s: rc %s \"%s\", want %s %s", #call,        \
				 kg_rc_name(got_), err.msg, kg_rc_name(rc),    \
				 reason);                                      \
	} while (0)

static void test_oidc_login_url_has_pkce_state_nonce(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_oidc *o = provider(pool, KG_OIDC_AUTH_BASIC, false);
	kg_oidc_pending p, q;
	const char *url, *url2;
	kg_err err;

	kg_err_clear(&err);
	assert_int_equal(kg_oidc_login_url(o, pool, REDIRECT, "/app?x=1", false,
					   KGT_NOW_MS, &p, &url, &err),
			 KG_OK);
	assert_int_equal(kg_oidc_login_url(o, pool, REDIRECT, "/", false,
					   KGT_NOW_MS, &q, &url2, &err),
			 KG_OK);
	assert_true(strncmp(url, apr_pstrcat(pool, w->issuer, "/auth?", NULL),
			    strlen(w->issuer) + 6) == 0);
	assert_non_null(strstr(url, "response_type=code&client_id=client&"));
	assert_non_null(
		strstr(url, apr_pstrcat(pool, "redirect_uri=",
					apr_pescape_urlencoded(pool, REDIRECT),
					NULL)));
	assert_non_null(strstr(url, "scope=openid+profile+email"));
	assert_non_null(
		strstr(url, apr_pstrcat(pool, "state=", p.state, NULL)));
	assert_non_null(
		strstr(url, apr_pstrcat(pool, "nonce=", p.nonce, NULL)));
	assert_non_null(strstr(
		url, apr_pstrcat(pool, "code_challenge=",
				 kg_oidc_pkce_challenge(pool, p.code_verifier),
				 "&code_challenge_method=S256", NULL)));
	assert_int_equal(strlen(p.state), 43);
	assert_int_equal(strlen(p.nonce), 43);
	assert_int_equal(strlen(p.code_verifier), 43);
	assert_string_equal(p.return_to, "/app?x=1");
	assert_string_not_equal(p.state, q.state);
	assert_string_not_equal(p.nonce, q.nonce);
	assert_string_not_equal(p.code_verifier, q.code_verifier);
	/* the value Python's hashlib + base64.urlsafe_b64encode gives */
	assert_string_equal(
		kg_oidc_pkce_challenge(
			pool, "dBjftJeZ4CVP-mJ0kZ3l9lC5ly3rOm_1QWAKhj8KAE4"),
		"MXtznPRMsEZIrNdbWv3VmqqDxM4m9HtU85NTnZl50FY");
}

/* A login with client authentication auth that the provider answers
 * well; returns the form the token endpoint got, fills *p and *t. */
static const char *redeem_ok(apr_pool_t *pool, kg_oidc_client_auth auth,
			     kg_oidc_pending *p, kg_oidc_tokens *t)
{
	kg_oidc *o = provider(pool, auth, false);
	kg_err err;

	*p = start(pool, o);
	token_answer(pool, 200, token_body(pool, id_token(pool, p->nonce, "")));
	EXPECT(redeem(pool, o, p, p->state, t, &err), KG_OK, "");
	return kgt_http_last_body(kgt_world_get()->http, pool, "/token");
}

static void test_oidc_redeem_basic(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc_pending p;
	kg_oidc_tokens t;
	const char *form = redeem_ok(pool, KG_OIDC_AUTH_BASIC, &p, &t);

	assert_string_equal(t.sub, "u1");
	assert_string_equal(t.sid, "s-1");
	assert_string_equal(t.access_token, "at-1");
	assert_string_equal(t.refresh_token, "rt-1");
	assert_true(t.access_expires_ms == KGT_NOW_MS + 300000);
	assert_string_equal(kg_json_get(t.claims, "email")->str, "a@b.c");
	assert_string_equal(
		kgt_http_last_auth(kgt_world_get()->http, pool, "/token"),
		"Basic Y2xpZW50OnMzY3JldA==");
	assert_non_null(strstr(form, "grant_type=authorization_code"));
	assert_non_null(strstr(form, "code=c-1"));
	assert_non_null(strstr(form, apr_pstrcat(pool, "code_verifier=",
						 p.code_verifier, NULL)));
	assert_null(strstr(form, "s3cret"));
}

static void test_oidc_redeem_post(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc_pending p;
	kg_oidc_tokens t;
	const char *form = redeem_ok(pool, KG_OIDC_AUTH_POST, &p, &t);

	assert_non_null(strstr(form, "client_id=client"));
	assert_non_null(strstr(form, "client_secret=s3cret"));
	assert_string_equal(
		kgt_http_last_auth(kgt_world_get()->http, pool, "/token"), "");
}

static void test_oidc_redeem_rejects(void **state)
{
	apr_pool_t *pool = *state;
	kg_oidc *o = provider(pool, KG_OIDC_AUTH_BASIC, false);
	kg_oidc_pending p = start(pool, o);
	kg_oidc_tokens t;
	kg_err err;
	int before;

	token_answer(pool, 200, token_body(pool, id_token(pool, p.nonce, "")));
	before = kgt_http_hits(kgt_world_get()->http, "/token");
	EXPECT(redeem(pool, o, &p, "another-state", &t, &err), KG_EAUTH,
	       "oidc_state");
	EXPECT(redeem(pool, o, &p, NULL, &t, &err), KG_EAUTH, "oidc_state");
	assert_int_equal(kgt_http_hits(kgt_world_get()->http, "/token"),
			 before);
	token_answer(pool, 200,
		     token_body(pool, id_token(pool, "another-nonce", "")));
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EAUTH, "oidc_nonce");
	token_answer(
		pool, 200,
		token_body(pool,
			   id_token(pool, p.nonce,
				    ",'at_hash':'AAAAAAAAAAAAAAAAAAAAAA'")));
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EAUTH, "jwt_at_hash");
	token_answer(
		pool, 400,
		"{\"error\":\"invalid_grant\",\"error_description\":\"x\"}");
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EAUTH,
	       "oidc_token: error \"invalid_grant\"");
	token_answer(pool, 200, "<html>garbage</html>");
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EAUTH,
	       "oidc_token: the answer");
	token_answer(pool, 200,
		     "{\"access_token\":\"at\",\"token_type\":"
		     "\"Bearer\"}");
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EAUTH,
	       "oidc_token: no id_token");
	token_answer(pool, 503, "down");
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EBACKEND,
	       "oidc_token");
	token_answer(pool, 200, token_body(pool, "not.a.jwt"));
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EAUTH, "jwt_parse");
	token_answer(pool, 200,
		     token_body(pool, kgt_jws_raw(pool, "{'alg':'none'}",
						  "{'sub':'u1'}", "")));
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EAUTH, "jwt_alg");
}

/* A token endpoint nobody listens on: backend, not auth. */
static void test_oidc_token_endpoint_unreachable(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_oidc *o;
	kg_oidc_pending p;
	kg_oidc_tokens t;
	kg_err err;

	kgt_http_route(
		w->http, "/.well-known/openid-configuration", 200,
		"application/json",
		kg_psprintf(
			pool,
			"{\"issuer\":\"%s\",\"authorization_endpoint\":"
			"\"%s/auth\",\"token_endpoint\":"
			"\"http://127.0.0.1:%d/token\",\"jwks_uri\":\"%s\"}",
			w->issuer, w->issuer, kgt_http_dead_port(),
			w->jwks_uri));
	o = provider(pool, KG_OIDC_AUTH_BASIC, false);
	p = start(pool, o);
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EBACKEND,
	       "oidc_unreachable");
	kgt_world_reset();
}

static void test_oidc_discovery_mixup_is_rejected(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_oidc *o;
	kg_oidc_pending p;
	const char *url;
	kg_err err;

	kgt_http_route(
		w->http, "/.well-known/openid-configuration", 200,
		"application/json",
		"{\"issuer\":\"https://attacker.example\","
		"\"authorization_endpoint\":\"https://attacker.example/a\","
		"\"token_endpoint\":\"https://attacker.example/t\","
		"\"jwks_uri\":\"https://attacker.example/j\"}");
	o = provider(pool, KG_OIDC_AUTH_BASIC, false);
	kg_err_clear(&err);
	EXPECT(kg_oidc_login_url(o, pool, REDIRECT, "/", false, KGT_NOW_MS, &p,
				 &url, &err),
	       KG_EAUTH, "oidc_discovery: issuer mix-up");
	kgt_http_route(w->http, "/.well-known/openid-configuration", 200,
		       "application/json", "not json");
	o = provider(pool, KG_OIDC_AUTH_BASIC, false);
	kg_err_clear(&err);
	EXPECT(kg_oidc_login_url(o, pool, REDIRECT, "/", false, KGT_NOW_MS, &p,
				 &url, &err),
	       KG_EBACKEND, "oidc_discovery");
	kgt_world_reset();
}

/* Discovery is fetched once and reused until it is stale. */
static void test_oidc_discovery_is_cached(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_oidc *o = provider(pool, KG_OIDC_AUTH_BASIC, false);
	const char *path = "/.well-known/openid-configuration";
	int before = kgt_http_hits(w->http, path);
	kg_oidc_pending p;
	const char *url;
	kg_err err;

	kg_err_clear(&err);
	for (int i = 0; i < 3; i++)
		assert_int_equal(kg_oidc_login_url(o, pool, REDIRECT, "/",
						   false, KGT_NOW_MS + i * 1000,
						   &p, &url, &err),
				 KG_OK);
	assert_int_equal(kgt_http_hits(w->http, path), before + 1);
	assert_int_equal(kg_oidc_login_url(o, pool, REDIRECT, "/", false,
					   KGT_NOW_MS + 3601000, &p, &url,
					   &err),
			 KG_OK);
	assert_int_equal(kgt_http_hits(w->http, path), before + 2);
}

static void test_oidc_userinfo_is_merged(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_oidc *o = provider(pool, KG_OIDC_AUTH_BASIC, true);
	kg_oidc_pending p = start(pool, o);
	kg_oidc_tokens t;
	kg_err err;

	token_answer(pool, 200, token_body(pool, id_token(pool, p.nonce, "")));
	kgt_http_route(w->http, "/userinfo", 200, "application/json",
		       "{\"sub\":\"u1\",\"email\":\"other@x\","
		       "\"groups\":[\"g1\"]}");
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_OK, "");
	assert_string_equal(kg_json_get(t.claims, "email")->str, "a@b.c");
	assert_int_equal(kg_json_get(t.claims, "groups")->count, 1);
	assert_string_equal(kgt_http_last_auth(w->http, pool, "/userinfo"),
			    "Bearer at-1");
	kgt_http_route(w->http, "/userinfo", 200, "application/json",
		       "{\"sub\":\"someone-else\"}");
	EXPECT(redeem(pool, o, &p, p.state, &t, &err), KG_EAUTH,
	       "oidc_userinfo");
}

static void test_oidc_refresh(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_oidc *o = provider(pool, KG_OIDC_AUTH_BASIC, false);
	kg_oidc_tokens t;
	kg_err err;

	token_answer(pool, 200,
		     "{\"access_token\":\"at-2\","
		     "\"token_type\":\"bearer\",\"expires_in\":60}");
	kg_err_clear(&err);
	EXPECT(kg_oidc_refresh(o, pool, "rt-1", KGT_NOW_MS, &t, &err), KG_OK,
	       "");
	assert_string_equal(t.access_token, "at-2");
	assert_string_equal(t.refresh_token, "rt-1");
	assert_null(t.claims);
	assert_non_null(strstr(kgt_http_last_body(w->http, pool, "/token"),
			       "grant_type=refresh_token&refresh_token=rt-1"));
	/* a new ID token comes: verified, no nonce needed */
	token_answer(
		pool, 200,
		kg_psprintf(pool,
			    "{\"access_token\":\"at-3\",\"token_type\":"
			    "\"Bearer\",\"refresh_token\":\"rt-2\","
			    "\"id_token\":\"%s\"}",
			    kgt_jws(pool, w->rsa, "RS256",
				    "{'alg':'RS256','kid':'k1'}",
				    kgt_claims(pool, w,
					       "{'iss':'ISS','aud':"
					       "'client','sub':'u1',"
					       "'exp':T+300,'iat':T-0}"))));
	EXPECT(kg_oidc_refresh(o, pool, "rt-1", KGT_NOW_MS, &t, &err), KG_OK,
	       "");
	assert_string_equal(t.refresh_token, "rt-2");
	assert_string_equal(t.sub, "u1");
	token_answer(pool, 400, "{\"error\":\"invalid_grant\"}");
	EXPECT(kg_oidc_refresh(o, pool, "rt-1", KGT_NOW_MS, &t, &err), KG_EAUTH,
	       "oidc_token");
}

static void test_oidc_logout_url(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_oidc *o = provider(pool, KG_OIDC_AUTH_BASIC, false);
	const char *url =
		kg_oidc_logout_url(o, pool, "idt", "https://gw.example/bye");

	assert_non_null(url);
	assert_string_equal(
		url, apr_pstrcat(pool, w->issuer,
				 "/logout?id_token_hint=idt&"
				 "post_logout_redirect_uri=https%3a%2f%2fgw."
				 "example%2fbye&client_id=client",
				 NULL));
}

static void test_oidc_logout_token(void **state)
{
	static const struct {
		const char *what, *claims, *reason;
	} bad[] = {
		{"no events",
		 "{'iss':'ISS','aud':'client','iat':T-0,'jti':'j',"
		 "'sid':'s'}",
		 "oidc_logout_token: no back-channel"},
		{"a nonce",
		 "{'iss':'ISS','aud':'client','iat':T-0,'jti':'j',"
		 "'sid':'s','nonce':'n','events':{'EV':{}}}",
		 "oidc_logout_token: a nonce"},
		{"no jti",
		 "{'iss':'ISS','aud':'client','iat':T-0,'sid':'s',"
		 "'events':{'EV':{}}}",
		 "oidc_logout_token: no jti"},
		{"no sid or sub",
		 "{'iss':'ISS','aud':'client','iat':T-0,"
		 "'jti':'j','events':{'EV':{}}}",
		 "oidc_logout_token: neither"},
		{"no iat",
		 "{'iss':'ISS','aud':'client','jti':'j','sid':'s',"
		 "'events':{'EV':{}}}",
		 "jwt_iat"},
		{"another audience",
		 "{'iss':'ISS','aud':'x','iat':T-0,"
		 "'jti':'j','sid':'s','events':{'EV':{}}}",
		 "jwt_aud"},
	};
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_oidc *o = provider(pool, KG_OIDC_AUTH_BASIC, false);
	const char *ev = "http://schemas.openid.net/event/backchannel-logout";
	const char *sid, *sub, *jti;
	kg_err err;

	kg_err_clear(&err);
	EXPECT(kg_oidc_logout_token_verify(
		       o, pool,
		       kgt_jws(pool, w->rsa, "RS256",
			       "{'alg':'RS256','kid':'k1','typ':'logout+jwt'}",
			       kgt_claims(pool, w,
					  kg_psprintf(pool,
						      "{'iss':'ISS','aud':"
						      "'client','iat':T-0,"
						      "'jti':'j-1','sub':'u1',"
						      "'sid':'s-1','events':"
						      "{'%s':{}}}",
						      ev))),
		       KGT_NOW_MS, &sid, &sub, &jti, &err),
	       KG_OK, "");
	assert_string_equal(sid, "s-1");
	assert_string_equal(sub, "u1");
	assert_string_equal(jti, "j-1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *c = apr_pstrdup(pool, bad[i].claims), *at;
		if ((at = strstr(c, "EV")) != NULL)
			c = apr_pstrcat(
				pool, apr_pstrmemdup(pool, c, (size_t)(at - c)),
				ev, at + 2, NULL);
		kg_err_clear(&err);
		if (kg_oidc_logout_token_verify(
			    o, pool,
			    kgt_jws(pool, w->rsa, "RS256",
				    "{'alg':'RS256','kid':'k1'}",
				    kgt_claims(pool, w, c)),
			    KGT_NOW_MS, &sid, &sub, &jti, &err) != KG_EAUTH ||
		    strncmp(err.msg, bad[i].reason, strlen(bad[i].reason)))
			fail_msg("%s: \"%s\"", bad[i].what, err.msg);
	}
	kg_err_clear(&err);
	EXPECT(kg_oidc_logout_token_verify(o, pool,
					   kgt_jws_raw(pool, "{'alg':'none'}",
						       "{'iss':'x','sid':'s'}",
						       ""),
					   KGT_NOW_MS, &sid, &sub, &jti, &err),
	       KG_EAUTH, "jwt_alg");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_oidc_login_url_has_pkce_state_nonce),
		KGT(test_oidc_redeem_basic),
		KGT(test_oidc_redeem_post),
		KGT(test_oidc_redeem_rejects),
		KGT(test_oidc_token_endpoint_unreachable),
		KGT(test_oidc_discovery_mixup_is_rejected),
		KGT(test_oidc_discovery_is_cached),
		KGT(test_oidc_userinfo_is_merged),
		KGT(test_oidc_refresh),
		KGT(test_oidc_logout_url),
		KGT(test_oidc_logout_token),
	};
	return KGT_RUN(tests);
}
