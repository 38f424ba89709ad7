/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate integration helper: drives kg_oidc against the real OpenID
 * provider tests/integration/oidc_op.sh started. Prints TAP lines.
 * Modes:
 *   login ISSUER CLIENT_ID REDIRECT_URI
 *       fetches discovery, builds a login URL, checks its parameters;
 *       prints "# url URL", "# state S", "# nonce N", "# verifier V"
 *   redeem ISSUER CLIENT_ID SECRET REDIRECT_URI STATE NONCE VERIFIER CODE
 *       redeems CODE (client_secret_basic), verifies the ID token and
 *       reads userinfo; checks the demo user's claims; then refreshes
 *   bearer ISSUER AUDIENCE TOKEN
 *       verifies TOKEN as a bearer JWT by the issuer's discovery
 */
#include "conf/conf.h"
#include "gateway/proto/oidc/bearer.h"
#include "gateway/proto/oidc/oidc.h"
#include "tests/integration/driver.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <stdio.h>
#include <string.h>

static const kg_log stderr_log = {KG_LOG_INFO, driver_log, NULL};

static long long now_ms(void)
{
	return apr_time_as_msec(apr_time_now());
}

/* Opens the provider issuer for client_id (secret may be NULL). */
static kg_oidc *open_provider(apr_pool_t *pool, const char *issuer,
			      const char *client_id, const char *secret)
{
	kg_conf *conf = kg_conf_make(pool);
	kg_oidc *o = NULL;
	kg_err err;

	conf->oidc.issuer = issuer;
	conf->oidc.client_id = client_id;
	conf->oidc.scope = "openid profile email groups offline_access";
	conf->oidc.userinfo = true;
	if (secret) {
		conf->oidc.client_secret.bytes = (const unsigned char *)secret;
		conf->oidc.client_secret.len = strlen(secret);
	}
	kg_err_clear(&err);
	tap(kg_oidc_open(pool, &conf->oidc, &stderr_log, &o, &err) == KG_OK,
	    "kg_oidc_open %s", err.msg);
	return o;
}

static void mode_login(apr_pool_t *pool, char **argv)
{
	kg_oidc *o = open_provider(pool, argv[0], argv[1], NULL);
	kg_oidc_pending p;
	const char *url = NULL;
	kg_err err;
	kg_rc rc;

	kg_err_clear(&err);
	rc = o ? kg_oidc_login_url(o, pool, argv[2], "/app", false, now_ms(),
				   &p, &url, &err)
	       : KG_EINTERNAL;
	tap(rc == KG_OK, "kg_oidc fetches discovery and builds a login URL %s",
	    err.msg);
	if (rc != KG_OK)
		return;
	tap(strncmp(url, apr_pstrcat(pool, argv[0], "/auth?", NULL),
		    strlen(argv[0]) + 6) == 0,
	    "the login URL is the discovered authorization_endpoint");
	tap(strstr(url, "code_challenge_method=S256") &&
		    strstr(url, "response_type=code") &&
		    strstr(url, apr_pstrcat(pool, "state=", p.state, NULL)),
	    "the login URL carries PKCE S256, response_type and state");
	printf("# url %s\n# state %s\n# nonce %s\n# verifier %s\n", url,
	       p.state, p.nonce, p.code_verifier);
}

static void mode_redeem(apr_pool_t *pool, char **argv)
{
	kg_oidc *o = open_provider(pool, argv[0], argv[1], argv[2]);
	kg_oidc_pending p = {argv[4], argv[5], argv[6], "/app", now_ms()};
	kg_oidc_tokens t, r;
	const kg_json *groups;
	kg_err err;
	kg_rc rc;

	kg_err_clear(&err);
	rc = o ? kg_oidc_redeem(o, pool, &p, argv[4], argv[7], argv[3],
				now_ms(), &t, &err)
	       : KG_EINTERNAL;
	tap(rc == KG_OK, "the code is redeemed and the ID token verified %s",
	    err.msg);
	if (rc != KG_OK)
		return;
	groups = kg_json_get(t.claims, "groups");
	tap(t.sub && strcmp(t.sub, "demo") == 0 &&
		    strcmp(kg_json_get(t.claims, "preferred_username")->str,
			   "demo") == 0 &&
		    strcmp(kg_json_get(t.claims, "email")->str,
			   "demo@example.com") == 0 &&
		    groups && groups->count == 2,
	    "the demo user's claims arrive (sub, preferred_username, email, "
	    "groups)");
	tap(t.sid != NULL, "the ID token carries a sid");
	tap(kg_oidc_logout_url(o, pool, t.id_token, NULL) != NULL,
	    "an RP-initiated logout URL is built");
	kg_err_clear(&err);
	rc = t.refresh_token ? kg_oidc_refresh(o, pool, t.refresh_token,
					       now_ms(), &r, &err)
			     : KG_ENOTFOUND;
	tap(rc == KG_OK && r.access_token, "the refresh token is redeemed %s",
	    err.msg);
	kg_err_clear(&err);
	rc = kg_oidc_redeem(o, pool, &p, argv[4], argv[7], argv[3], now_ms(),
			    &t, &err);
	tap(rc == KG_EAUTH && strstr(err.msg, "invalid_grant"),
	    "a code is redeemed only once (%s)", err.msg);
	printf("# access_token %s\n", r.access_token ? r.access_token : "");
}

static void mode_bearer(apr_pool_t *pool, char **argv)
{
	kg_conf *conf = kg_conf_make(pool);
	kg_conf_bearer_issuer *b = apr_array_push(conf->oidc.bearer_issuers);
	kg_oidc_bearer *v = NULL;
	kg_oidc_bearer_token t;
	kg_err err;
	kg_rc rc;

	b->issuer = argv[0];
	b->jwks_uri = NULL;
	b->audiences = apr_array_make(pool, 1, sizeof(const char *));
	APR_ARRAY_PUSH(b->audiences, const char *) = argv[1];
	kg_err_clear(&err);
	rc = kg_oidc_bearer_open(pool, &conf->oidc, &stderr_log, &v, &err);
	if (rc == KG_OK)
		rc = kg_oidc_bearer_verify(v, pool, argv[2], now_ms(), &t,
					   &err);
	tap(rc == KG_OK, "the provider's JWT verifies as a bearer token %s",
	    err.msg);
}

int main(int argc, char **argv)
{
	apr_pool_t *pool;

	apr_initialize();
	apr_pool_create(&pool, NULL);
	if (argc == 5 && strcmp(argv[1], "login") == 0)
		mode_login(pool, argv + 2);
	else if (argc == 10 && strcmp(argv[1], "redeem") == 0)
		mode_redeem(pool, argv + 2);
	else if (argc == 5 && strcmp(argv[1], "bearer") == 0)
		mode_bearer(pool, argv + 2);
	else {
		fprintf(stderr, "usage: see the file comment\n");
		failures++;
	}
	apr_pool_destroy(pool);
	apr_terminate();
	return failures ? 1 : 0;
}
