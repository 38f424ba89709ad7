/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway's own endpoints under the prefix (and Keycloak's
 * broker paths), dispatched from one table. The router hands each
 * handler the alias its path names, so no handler parses the path.
 */
#include "gateway/flow/gateway.h"
#include "gateway/flow/health.h"
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/authn/preserve.h"
#include "gateway/flow/login/login.h"
#include "gateway/flow/logout/logout.h"
#include "gateway/flow/aws/aws.h"
#include "gateway/flow/aws/render.h"
#include "gateway/flow/admin/api.h"
#include "conf/saml_urls.h"
#include "gateway/base/str.h"
#include "gateway/flow/core/origin.h"
#include "gateway/flow/core/page.h"
#include "gateway/flow/core/forwarded.h"
#include "gateway/base/metrics.h"
#include "gateway/base/version.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void add_string_member(kg_buf *b, const char *key, const char *value)
{
	kg_buf_addf(b, ",\"%s\":", key);
	if (value)
		kg_buf_add_json_string(b, value);
	else
		kg_buf_adds(b, "null");
}

/* ,"aws":[...]: the status of the session's AWS roles, never a key. */
static void add_aws_status(kg_buf *b, const kg_sess_record *rec)
{
	kg_aws_set *set;
	kg_err err = {0};

	if (rec->state.sts_credentials == NULL ||
	    kg_aws_set_decode(b->pool, rec->state.sts_credentials, &set,
			      &err) != KG_OK)
		return;
	kg_buf_adds(b, ",\"aws\":");
	kg_aws_render_status(b, set, kg_state_now_ms() / 1000);
}

/* GET session: the caller's own session as JSON, with no secret in it
 * (no cookie, id, token or assertion). 401 without a session. */
static void handle_session(kg_gateway *gw, kg_req *req, const char *alias,
			   const kg_log *log, kg_resp *resp)
{
	static const char *const flows[] = {"browser", "sso", "api"};
	kg_sess_record *rec;
	kg_err err = {0};
	kg_rc rc = kg_authn_session(gw, req, log, &rec, &err);
	kg_buf b;

	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	if (rc != KG_OK) {
		kg_resp_fail(resp, rc == KG_ENOTFOUND ? KG_EAUTH : rc,
			     rc == KG_ENOTFOUND ? "no_session"
						: "cache_unavailable");
		return;
	}
	kg_buf_init(&b, req->pool, 512);
	kg_buf_adds(&b, "{\"user\":{");
	kg_user_write_json(&b, rec->user);
	kg_buf_adds(&b, "}");
	add_string_member(&b, "idp", rec->idp);
	add_string_member(&b, "protocol", rec->protocol);
	add_string_member(&b, "flow", flows[rec->flow]);
	kg_buf_addf(&b,
		    ",\"authTime\":%lld,\"lastAccess\":%lld,\"expires\":%lld,"
		    "\"idleTimeout\":%lld",
		    rec->auth_ms / 1000, rec->last_access_ms / 1000,
		    rec->expires_ms / 1000, rec->idle_ms / 1000);
	add_aws_status(&b, rec);
	kg_buf_adds(&b, "}\n");
	kg_resp_reply(resp, 200, "application/json", b.data);
}

/* GET metrics: Prometheus text, for the addresses of
 * KeygateMetricsAllow only; to anyone else it does not exist (404). */
static void handle_metrics(kg_gateway *gw, kg_req *req, const char *alias,
			   const kg_log *log, kg_resp *resp)
{
	kg_buf b;

	if (gw->metrics == NULL || req->client_ip == NULL ||
	    !kg_forwarded_is_trusted(gw->conf->gateway.metrics_allow,
				     req->client_ip)) {
		kg_resp_fail(resp, KG_ENOTFOUND, "metrics_not_allowed");
		return;
	}
	kg_buf_init(&b, req->pool, 16384);
	kg_metrics_write(&b, gw->metrics, KG_VERSION);
	if (gw->mappers)
		/* per process: the one that answers this scrape */
		kg_buf_addf(
			&b,
			"# HELP keygate_mapper_generation_info The mapper "
			"file version the answering process maps with.\n"
			"# TYPE keygate_mapper_generation_info gauge\n"
			"keygate_mapper_generation_info{generation=\"%s\","
			"pid=\"%ld\"} 1\n",
			kg_mappers_live_current_name(gw->mappers, req->pool),
			(long)getpid());
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_reply(resp, 200, "text/plain; version=0.0.4", b.data);
}

/* GET jwks: the public keys of the app identity tokens: the signing
 * key and each older one until it retires. */
static void handle_jwks(kg_gateway *gw, kg_req *req, const char *alias,
			const kg_log *log, kg_resp *resp)
{
	if (gw->app_signer == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_app_tokens");
		return;
	}
	/* short, so a retired key leaves apps' caches soon after */
	apr_table_setn(resp->headers, "Cache-Control", "max-age=60");
	kg_resp_reply(resp, 200, "application/json",
		      kg_app_signer_jwks(gw->app_signer, req->pool,
					 kg_state_now_ms() / 1000));
}

/* The realm's name: the last segment of its URL. */
static const char *realm_name(apr_pool_t *pool, const char *url)
{
	size_t n = strlen(url);
	const char *slash;

	while (n > 0 && url[n - 1] == '/')
		n--;
	url = apr_pstrmemdup(pool, url, n);
	slash = strrchr(url, '/');
	return slash ? slash + 1 : url;
}

/* GET REALM: Keycloak's published realm (PublishedRealmRepresentation):
 * realm, public_key (the signing key), token-service, account-service,
 * tokens-not-before. */
static void handle_realm_info(kg_gateway *gw, kg_req *req, const char *alias,
			      const kg_log *log, kg_resp *resp)
{
	const char *url = kg_origin_realm_url(gw, req);
	kg_buf b;

	kg_buf_init(&b, req->pool, 1024);
	kg_buf_adds(&b, "{\"realm\":");
	kg_buf_add_json_string(&b, realm_name(req->pool, url));
	kg_buf_adds(&b, ",\"public_key\":");
	kg_buf_add_json_string(&b, kg_app_signer_public_key(gw->app_signer));
	kg_buf_adds(&b, ",\"token-service\":");
	kg_buf_add_json_string(
		&b,
		apr_pstrcat(req->pool, url, "/protocol/openid-connect", NULL));
	kg_buf_adds(&b, ",\"account-service\":");
	kg_buf_add_json_string(&b,
			       apr_pstrcat(req->pool, url, "/account", NULL));
	kg_buf_adds(&b, ",\"tokens-not-before\":0}");
	apr_table_setn(resp->headers, "Cache-Control", "no-cache");
	kg_resp_reply(resp, 200, "application/json", b.data);
}

/* GET REALM/.well-known/openid-configuration: what of Keycloak's
 * discovery document is true of keygate: the issuer of the app tokens,
 * their keys, the end-session endpoint, and what the tokens hold. No
 * authorization or token endpoint: keygate issues no tokens to
 * clients. */
static void handle_realm_discovery(kg_gateway *gw, kg_req *req,
				   const char *alias, const kg_log *log,
				   kg_resp *resp)
{
	const char *url = kg_origin_realm_url(gw, req);
	const char *oidc =
		apr_pstrcat(req->pool, url, "/protocol/openid-connect/", NULL);
	kg_buf b;

	kg_buf_init(&b, req->pool, 1024);
	kg_buf_adds(&b, "{\"issuer\":");
	kg_buf_add_json_string(&b, url);
	kg_buf_adds(&b, ",\"jwks_uri\":");
	kg_buf_add_json_string(&b, apr_pstrcat(req->pool, oidc, "certs", NULL));
	kg_buf_adds(&b, ",\"end_session_endpoint\":");
	kg_buf_add_json_string(&b,
			       apr_pstrcat(req->pool, oidc, "logout", NULL));
	kg_buf_adds(
		&b,
		",\"subject_types_supported\":[\"public\"],"
		"\"id_token_signing_alg_values_supported\":[\"RS256\"],"
		"\"scopes_supported\":[\"openid\",\"email\",\"profile\"],"
		"\"claims_supported\":[\"aud\",\"sub\",\"iss\",\"auth_time\","
		"\"name\",\"given_name\",\"family_name\","
		"\"preferred_username\",\"email\",\"email_verified\","
		"\"idp_id\",\"idpbroker\",\"sid\"]}");
	apr_table_setn(resp->headers, "Cache-Control", "no-cache");
	kg_resp_reply(resp, 200, "application/json", b.data);
}

/* Keycloak's broker endpoint (KeygateSAMLKeycloakPaths): the ACS for a
 * POSTed SAMLResponse, else the SLO service. */
static void handle_broker(kg_gateway *gw, kg_req *req, const char *alias,
			  const kg_log *log, kg_resp *resp)
{
	/* Keycloak's one broker endpoint: a POSTed SAMLResponse is a login
	 * unless it is a LogoutResponse; anything else is single logout */
	const char *posted = strcmp(req->method, "POST") == 0
				     ? kg_req_form_param(req, "SAMLResponse")
				     : NULL;

	if (posted && !kg_saml_is_logout_response(req->pool, posted))
		kg_login_saml_acs(gw, req, alias, log, resp);
	else
		kg_logout_saml_slo(gw, req, alias, log, resp);
}

typedef struct {
	const char *name;    /* the path after the prefix; a '*' stands for
				one non-empty segment (an alias) */
	const char *methods; /* space-separated */
	kg_handler *handle;  /* gets the segment '*' matched, or NULL */
} endpoint;

static const endpoint endpoints[] = {
	{"health", "GET HEAD", kg_health_redis},
	{"live", "GET HEAD", kg_health_live},
	{"ready", "GET HEAD", kg_health_ready},
	{"session", "GET", handle_session},
	{"metrics", "GET", handle_metrics},
	{"jwks", "GET", handle_jwks},
	{"logout", "GET POST", kg_logout_local},
	{"signed-out", "GET HEAD", kg_logout_signed_out},
	{"post/replay", "GET", kg_authn_post_replay},
	{"login", "GET", kg_login_signin},
	{"oidc/callback", "GET POST", kg_login_oidc_callback},
	{"oidc/backchannel", "POST", kg_logout_oidc_backchannel},
	{"oidc/*/login", "GET", kg_login_oidc_start},
	{"oidc/*/callback", "GET POST", kg_login_oidc_callback},
	{"oidc/*/backchannel", "POST", kg_logout_oidc_backchannel},
	{"saml/*/metadata", "GET", kg_login_saml_metadata},
	{"saml/*/login", "GET", kg_login_saml_start},
	{"saml/*/acs", "POST", kg_login_saml_acs},
	{"aws/credentials", "GET", kg_aws_endpoint_credentials},
	{"aws/saml/*", "POST", kg_aws_endpoint_saml},
	{"saml/*/slo", "GET POST", kg_logout_saml_slo},
};

/* Keycloak's broker paths (KeygateSAMLKeycloakPaths): the broker
 * endpoint and its descriptor (the SP metadata). */
static const endpoint broker_endpoints[] = {
	{"endpoint", "GET POST", handle_broker},
	{"endpoint/descriptor", "GET", kg_login_saml_metadata},
};

/* "return_to=BACK" for a Keycloak redirect URI back (or "" when NULL):
 * a URL on this gateway's origin becomes its path; anything else is left
 * for the redirect guard to refuse. In req's pool. */
static const char *return_to_of(const kg_gateway *gw, const kg_req *req,
				const char *back)
{
	const char *origin = kg_origin(gw, req);
	size_t olen = strlen(origin);

	if (back == NULL)
		return "";
	if (strncmp(back, origin, olen) == 0 &&
	    (back[olen] == '/' || back[olen] == '\0'))
		back = back[olen] ? back + olen : "/";
	return apr_pstrcat(req->pool,
			   "return_to=", kg_str_url_encode(req->pool, back),
			   NULL);
}

/* Keycloak's end-session endpoint (REALM/protocol/openid-connect/logout),
 * where Domino's UI sends a user who signs out: keygate's own logout.
 * Keycloak's post_logout_redirect_uri (or the older redirect_uri) becomes
 * the return path when it is on this gateway's origin or a local path;
 * anything else is refused by the redirect guard (KG-0403) and "/" is
 * used. The id_token_hint Keycloak wants is not needed. */
static void handle_realm_logout(kg_gateway *gw, kg_req *req, const char *alias,
				const kg_log *log, kg_resp *resp)
{
	const char *back = kg_req_param(req, "post_logout_redirect_uri");
	kg_req local = *req;

	if (back == NULL)
		back = kg_req_param(req, "redirect_uri");
	if (back == NULL) /* a POSTed form, as Keycloak also takes */
		back = kg_req_form_param(req, "post_logout_redirect_uri");
	local.query = back ? return_to_of(gw, req, back) : NULL;
	kg_logout_local(gw, &local, NULL, log, resp);
}

/* Keycloak's authorization endpoint (REALM/protocol/openid-connect/auth),
 * where old bookmarks and Keycloak links (often with kc_idp_hint) start
 * a browser login: keygate's own PREFIX login. kc_idp_hint and
 * prompt=login are passed on; redirect_uri becomes the return path as
 * for the logout above (off-site: refused, KG-0403, and "/"). keygate is
 * no authorization server: client_id, response_type, scope and state are
 * not read and no code is issued; the browser lands on the page itself,
 * signed in. */
static void handle_realm_auth(kg_gateway *gw, kg_req *req, const char *alias,
			      const kg_log *log, kg_resp *resp)
{
	const char *hint = kg_req_param(req, "kc_idp_hint");
	kg_req local = *req;

	local.query = apr_pstrcat(
		req->pool,
		return_to_of(gw, req, kg_req_param(req, "redirect_uri")),
		hint ? "&kc_idp_hint=" : "",
		hint ? kg_str_url_encode(req->pool, hint) : "",
		kg_login_fresh_auth_query(req), NULL);
	if (local.query[0] == '&')
		local.query++;
	kg_login_signin(gw, &local, NULL, log, resp);
}

static const endpoint realm_certs[] = {{"certs", "GET HEAD", handle_jwks}};
static const endpoint realm_info[] = {{"realm", "GET HEAD", handle_realm_info}};
static const endpoint realm_discovery[] = {
	{"discovery", "GET HEAD", handle_realm_discovery}};
static const endpoint realm_logout[] = {
	{"logout", "GET POST", handle_realm_logout}};
static const endpoint realm_auth[] = {{"auth", "GET", handle_realm_auth}};

/* True when name matches pattern, whose '*' matches one non-empty path
 * segment; that segment goes to *alias (in pool; NULL without a '*'). */
static bool name_matches(apr_pool_t *pool, const char *pattern,
			 const char *name, const char **alias)
{
	const char *star = strchr(pattern, '*');
	size_t head, seg;

	*alias = NULL;
	if (star == NULL)
		return strcmp(pattern, name) == 0;
	head = (size_t)(star - pattern);
	if (strncmp(pattern, name, head) != 0)
		return false;
	name += head;
	seg = strcspn(name, "/");
	if (seg == 0 || strcmp(star + 1, name + seg) != 0)
		return false;
	*alias = apr_pstrmemdup(pool, name, seg);
	return true;
}

/* Runs the entry of table whose name matches name, or answers 404 (405
 * when the method is not one it takes). */
static void dispatch(const endpoint *table, size_t n, const char *name,
		     const char *alias, kg_gateway *gw, kg_req *req,
		     const kg_log *log, kg_resp *resp)
{
	for (size_t i = 0; i < n; i++) {
		const char *star;
		char *methods;
		bool allowed = false;
		if (!name_matches(req->pool, table[i].name, name, &star))
			continue;
		methods = apr_pstrdup(req->pool, table[i].methods);
		for (char *last, *m = apr_strtok(methods, " ", &last); m;
		     m = apr_strtok(NULL, " ", &last))
			allowed |= strcmp(m, req->method) == 0;
		if (!allowed) {
			apr_table_setn(resp->headers, "Allow",
				       table[i].methods);
			kg_resp_reply(resp, 405, "text/plain",
				      "Method not allowed.\n");
			return;
		}
		table[i].handle(gw, req, star ? star : alias, log, resp);
		return;
	}
	kg_resp_fail(resp, KG_ENOTFOUND, "no_such_endpoint");
}

/* Finds and runs the endpoint req names (resp DECLINE when none). */
static void route(kg_gateway *gw, kg_req *req, const kg_log *log, kg_resp *resp)
{
	const char *prefix = gw->conf->gateway.prefix;
	size_t plen = strlen(prefix);
	const char *alias, *name;

	req->start_us = kg_metrics_clock_us();
	if (kg_conf_saml_is_broker_path(gw->conf, req->path)) {
		/* /auth/realms/REALM/broker/ALIAS/NAME */
		if (kg_conf_saml_route(req->pool, gw->conf, req->path,
				       &alias) == KG_SAML_EP_NONE) {
			kg_resp_fail(resp, KG_ENOTFOUND, "no_such_endpoint");
			return;
		}
		name = strstr(req->path, "/broker/") + strlen("/broker/") +
		       strlen(alias) + 1;
		dispatch(broker_endpoints,
			 sizeof(broker_endpoints) / sizeof(*broker_endpoints),
			 name, alias, gw, req, log, resp);
		return;
	}
	switch (kg_conf_realm_endpoint(gw->conf, req->path)) {
	case KG_REALM_EP_CERTS:
		/* Keycloak's realm keys, for apps that verify the app token
		 * the way they verified Keycloak's */
		dispatch(realm_certs, 1, "certs", NULL, gw, req, log, resp);
		return;
	case KG_REALM_EP_LOGOUT:
		dispatch(realm_logout, 1, "logout", NULL, gw, req, log, resp);
		return;
	case KG_REALM_EP_AUTH:
		dispatch(realm_auth, 1, "auth", NULL, gw, req, log, resp);
		return;
	case KG_REALM_EP_INFO:
		dispatch(realm_info, 1, "realm", NULL, gw, req, log, resp);
		return;
	case KG_REALM_EP_DISCOVERY:
		dispatch(realm_discovery, 1, "discovery", NULL, gw, req, log,
			 resp);
		return;
	case KG_REALM_EP_NONE:
		break;
	}
	if (strncmp(req->path, prefix, plen) != 0) {
		resp->action = KG_RESP_DECLINE;
		return;
	}
	dispatch(endpoints, sizeof(endpoints) / sizeof(*endpoints),
		 req->path + plen, NULL, gw, req, log, resp);
}

void kg_gateway_endpoint(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_resp *resp)
{
	route(gw, req, log, resp);
	kg_page_fail(gw, req, log, resp);
}

const char *kg_gateway_admin_path(const kg_conf *conf, const char *path)
{
	const char *prefix = conf->gateway.prefix;
	size_t plen = strlen(prefix);

	if (path == NULL || strncmp(path, prefix, plen) != 0 ||
	    strncmp(path + plen, "admin/", 6) != 0)
		return NULL;
	return path + plen + 6;
}

void kg_gateway_admin(kg_gateway *gw, kg_req *req, const char *actor,
		      const kg_log *log, kg_resp *resp)
{
	const char *sub = kg_gateway_admin_path(gw->conf, req->path);

	if (sub == NULL) {
		resp->action = KG_RESP_DECLINE;
		return;
	}
	kg_admin_api(gw, req, sub, actor, log, resp);
}
