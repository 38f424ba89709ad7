/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway's own endpoints under the prefix, dispatched from
 * one table.
 */
#include "gateway/endpoints.h"
#include "gateway/aws.h"
#include "gateway/aws_render.h"
#include "conf/saml_urls.h"
#include "gateway/base/str.h"
#include "gateway/redirect.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

/* GET health: 200 when the session store answers, else 503. */
static void handle_health(kg_gateway *gw, kg_req *req, const kg_log *log,
			  kg_resp *resp)
{
	kg_err err = {0};
	kg_rc rc = kg_sess_store_ping(gw->store, req->pool, &err);

	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	if (rc == KG_OK) {
		kg_resp_reply(resp, 200, "text/plain", "ok\n");
		return;
	}
	kg_log_emit(log, KG_LOG_WARN, "KG-0402", "health: redis unreachable: %s",
		    err.msg);
	kg_resp_fail(resp, KG_EBACKEND, "cache_unavailable");
}

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
	kg_aws_render_status(b, set, kg_gateway_now_ms() / 1000);
}

/* GET session: the caller's own session as JSON, with no secret in it
 * (no cookie, id, token or assertion). 401 without a session. */
static void handle_session(kg_gateway *gw, kg_req *req, const kg_log *log,
			   kg_resp *resp)
{
	static const char *const flows[] = {"browser", "sso", "api"};
	kg_sess_record *rec;
	kg_err err = {0};
	kg_rc rc = kg_gateway_session(gw, req, log, &rec, &err);
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

/* GET or POST logout: ends the session and clears the cookie, then goes
 * to the provider's end_session_endpoint (OIDC sessions, when it has
 * one), to the IdP's SLO service with a signed LogoutRequest (SAML
 * sessions, when it has one), or straight to the local return_to (or
 * "/"). */
static void handle_logout(kg_gateway *gw, kg_req *req, const kg_log *log,
			  kg_resp *resp)
{
	kg_sess_record *rec = NULL;
	kg_err err = {0};
	kg_rc rc = kg_gateway_session(gw, req, log, &rec, &err);
	const char *back = kg_endpoint_return_to(req, log);
	const char *op_logout = NULL;

	if (rc == KG_OK) {
		rc = kg_sess_store_delete(gw->store, req->pool, rec, "logout",
					  &err);
		if (rc == KG_OK && rec->state.sts_credentials)
			kg_aws_remove_file(gw, req->pool, rec->user->username);
		/* RP-initiated logout at the provider, when it offers one */
		if (rc == KG_OK && gw->oidc && rec->state.oidc_id_token &&
		    strcmp(rec->protocol, "oidc") == 0)
			op_logout = kg_oidc_logout_url(
				gw->oidc, req->pool, rec->state.oidc_id_token,
				apr_pstrcat(req->pool,
					    gw->conf->gateway.base_url, back,
					    NULL));
	}
	if (rc != KG_OK && rc != KG_ENOTFOUND) {
		kg_resp_fail(resp, rc, "cache_unavailable");
		return;
	}
	apr_table_addn(resp->headers, "Set-Cookie",
		       kg_sess_cookie_header(req->pool, &gw->conf->sessions,
					     "", 0));
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	if (rc == KG_OK && op_logout == NULL &&
	    kg_endpoint_saml_logout_start(gw, req, log, rec, back, resp))
		return;
	kg_resp_redirect(resp, op_logout ? op_logout : back);
}

/* GET metrics: Prometheus text, for the addresses of
 * KeygateMetricsAllow only; to anyone else it does not exist (404). */
static void handle_metrics(kg_gateway *gw, kg_req *req, const kg_log *log,
			   kg_resp *resp)
{
	kg_buf b;

	if (gw->metrics == NULL || req->client_ip == NULL ||
	    !kg_values_contain(gw->conf->gateway.metrics_allow,
			       req->client_ip)) {
		kg_resp_fail(resp, KG_ENOTFOUND, "metrics_not_allowed");
		return;
	}
	kg_buf_init(&b, req->pool, 2048);
	kg_metrics_write(&b, gw->metrics);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_reply(resp, 200, "text/plain; version=0.0.4", b.data);
}

/* GET jwks: the public key of the app identity tokens. */
static void handle_jwks(kg_gateway *gw, kg_req *req, const kg_log *log,
			kg_resp *resp)
{
	if (gw->app_signer == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_app_tokens");
		return;
	}
	apr_table_setn(resp->headers, "Cache-Control", "max-age=300");
	kg_resp_reply(resp, 200, "application/json",
		      kg_app_signer_jwks(gw->app_signer));
}

/* GET login: to the SAML provider when the login provider is one, else
 * the OIDC code flow. */
static void handle_login(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_resp *resp)
{
	if (kg_endpoint_saml_handles_login(gw, req))
		kg_endpoint_saml_login(gw, req, log, resp);
	else
		kg_endpoint_login(gw, req, log, resp);
}

typedef struct {
	const char *name; /* the path after the prefix; a '*' stands for
			     one non-empty segment (an alias) */
	const char *methods; /* space-separated */
	void (*handle)(kg_gateway *gw, kg_req *req, const kg_log *log,
		       kg_resp *resp);
} endpoint;

static const endpoint endpoints[] = {
	{"health", "GET HEAD", handle_health},
	{"session", "GET", handle_session},
	{"metrics", "GET", handle_metrics},
	{"jwks", "GET", handle_jwks},
	{"logout", "GET POST", handle_logout},
	{"login", "GET", handle_login},
	{"oidc/callback", "GET POST", kg_endpoint_oidc_callback},
	{"oidc/backchannel", "POST", kg_endpoint_oidc_backchannel},
	{"saml/*/metadata", "GET", kg_endpoint_saml_metadata},
	{"saml/*/login", "GET", kg_endpoint_saml_login},
	{"saml/*/acs", "POST", kg_endpoint_saml_acs},
	{"aws/credentials", "GET", kg_endpoint_aws_credentials},
	{"aws/saml/*", "POST", kg_endpoint_aws_saml},
	{"saml/*/slo", "GET POST", kg_endpoint_saml_slo},
};

/* Keycloak's broker paths (KeygateSAMLKeycloakPaths): the broker
 * endpoint and its descriptor (the SP metadata). */
static const endpoint broker_endpoints[] = {
	{"endpoint", "GET POST", kg_endpoint_saml_broker},
	{"endpoint/descriptor", "GET", kg_endpoint_saml_metadata},
};

/* True when name matches pattern, whose '*' matches one non-empty path
 * segment. */
static bool name_matches(const char *pattern, const char *name)
{
	const char *star = strchr(pattern, '*');
	size_t head, seg;

	if (star == NULL)
		return strcmp(pattern, name) == 0;
	head = (size_t)(star - pattern);
	if (strncmp(pattern, name, head) != 0)
		return false;
	name += head;
	seg = strcspn(name, "/");
	return seg > 0 && strcmp(star + 1, name + seg) == 0;
}

/* The decoded value of name in an a=b&c=d string, or NULL. */
static const char *param_in(apr_pool_t *pool, const char *p, size_t total,
			    const char *name)
{
	size_t n = strlen(name);
	const char *end_all = p ? p + total : NULL;

	while (p && p < end_all) {
		const char *end = memchr(p, '&', (size_t)(end_all - p));
		size_t len = end ? (size_t)(end - p) : (size_t)(end_all - p);
		if (len > n && strncmp(p, name, n) == 0 && p[n] == '=')
			return kg_str_url_decode(pool, p + n + 1, len - n - 1);
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

const char *kg_endpoint_param(const kg_req *req, const char *name)
{
	return param_in(req->pool, req->query,
			req->query ? strlen(req->query) : 0, name);
}

const char *kg_endpoint_return_to(const kg_req *req, const kg_log *log)
{
	bool rejected = false;
	const char *back = kg_redirect_local_or_root(
		kg_endpoint_param(req, "return_to"), &rejected);

	if (rejected)
		kg_log_emit(log, KG_LOG_WARN, "KG-0403",
			    "REJECT proto=redirect reason=redirect_rejected "
			    "param=return_to");
	return back;
}

const char *kg_endpoint_form_param(const kg_req *req, const char *name)
{
	const char *type = kg_req_header(req, "Content-Type");

	if (type == NULL ||
	    strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0)
		return NULL;
	return param_in(req->pool, req->body, req->body_len, name);
}

/* Runs the entry of table whose name matches name, or answers 404 (405
 * when the method is not one it takes). */
static void dispatch(const endpoint *table, size_t n, const char *name,
		     kg_gateway *gw, kg_req *req, const kg_log *log,
		     kg_resp *resp)
{
	for (size_t i = 0; i < n; i++) {
		char *methods;
		bool allowed = false;
		if (!name_matches(table[i].name, name))
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
		table[i].handle(gw, req, log, resp);
		return;
	}
	kg_resp_fail(resp, KG_ENOTFOUND, "no_such_endpoint");
}

void kg_gateway_endpoint(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_resp *resp)
{
	const char *prefix = gw->conf->gateway.prefix;
	size_t plen = strlen(prefix);
	const char *alias, *name;

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
			 name, gw, req, log, resp);
		return;
	}
	if (strncmp(req->path, prefix, plen) != 0) {
		resp->action = KG_RESP_DECLINE;
		return;
	}
	dispatch(endpoints, sizeof(endpoints) / sizeof(*endpoints),
		 req->path + plen, gw, req, log, resp);
}
