/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: the module: configuration life cycle and hooks. Each hook
 * builds the neutral request, calls the core, and maps the answer back.
 */
#include "gateway/httpd/binding.h"
#include "conf/saml_urls.h"
#include "gateway/httpd/config.h"
#include "gateway/flow/authn/identity.h"
#include "gateway/flow/core/forwarded.h"
#include "gateway/base/metrics.h"

#include <apr_shm.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_auth.h>
#include <stdlib.h>
#include <unistd.h>
#include <unixd.h>

/* The metrics table in anonymous shared memory made before the children
 * fork, so every child of every virtual host records into the same one
 * (one consistent view per httpd; a restart starts it at zero, as
 * Prometheus expects of a restarted target); NULL (no metrics) when the
 * system has none to give. */
static void *shared_counters(apr_pool_t *pconf, server_rec *s)
{
	apr_shm_t *shm;
	void *base;

	if (apr_shm_create(&shm, sizeof(kg_metrics), NULL, pconf) !=
	    APR_SUCCESS) {
		kg_log log = kg_httpd_log_for_server(s);

		kg_log_emit(&log, KG_LOG_WARN, "KG-0004",
			    "no shared memory for metrics");
		return NULL;
	}
	base = apr_shm_baseaddr_get(shm);
	memset(base, 0, sizeof(kg_metrics));
	return base;
}

/* Logs the checks' warnings (each starts with its FILE:LINE) as KG-0005:
 * a setup that works but is likely wrong. */
static void log_warnings(server_rec *v, const kg_conf *conf)
{
	kg_log log = kg_httpd_log_for_server(v);

	for (int i = 0; conf->warnings && i < conf->warnings->nelts; i++)
		kg_log_emit(&log, KG_LOG_WARN, "KG-0005",
			    "configuration warning at %s",
			    APR_ARRAY_IDX(conf->warnings, i, const char *));
}

/* Opens KeygateAuditLog for srv as the parent does ErrorLog: a file
 * (relative to ServerRoot, appended to) or a piped logger, in pconf so a
 * restart closes and reopens it; the children inherit it. false, with
 * the reason logged (KG-0800), when it cannot be opened. */
static bool open_audit(apr_pool_t *pconf, server_rec *s, kg_httpd_server *srv)
{
	const char *dest = srv->conf->gateway.audit_log;
	apr_status_t st;
	char why[120];
	kg_log log = kg_httpd_log_for_server(s);

	srv->audit = NULL;
	if (dest == NULL)
		return true;
	if (dest[0] == '|') {
		piped_log *pl = ap_open_piped_log(pconf, dest + 1);
		if (pl) {
			srv->audit = ap_piped_log_write_fd(pl);
			return true;
		}
		st = APR_EGENERAL;
	} else {
		st = apr_file_open(
			&srv->audit, ap_server_root_relative(pconf, dest),
			APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_APPEND,
			APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD,
			pconf);
		if (st == APR_SUCCESS)
			return true;
	}
	kg_log_emit(&log, KG_LOG_ERROR, "KG-0800",
		    "KeygateAuditLog %s cannot be opened: %s", dest,
		    apr_strerror(st, why, sizeof(why)));
	srv->audit = NULL;
	return false;
}

/* Checks every configured server's settings, mapper file, keys and IdP
 * metadata; for a start (not a config test), makes each server's shared
 * counters too, and the state directory the children share:
 * DefaultRuntimeDir/keygate, which the parent (root) gives to the
 * children's User and Group, since they write there. Returns the first
 * failure (logged as KG-0001), or OK. */
static int check_servers(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
			 bool start)
{
	kg_gateway_state state = {
		.dir = NULL, .uid = (uid_t)-1, .gid = (gid_t)-1};

	if (start) {
		state.dir = ap_runtime_dir_relative(pconf, "keygate");
		if (geteuid() == 0) {
			state.uid = ap_unixd_config.user_id;
			state.gid = ap_unixd_config.group_id;
		}
	}
	void *metrics = NULL;

	for (server_rec *v = s; v; v = v->next) {
		kg_httpd_server *srv = kg_httpd_server_get(v);
		kg_log log = kg_httpd_log_for_server(v);
		kg_err err = {0};
		kg_rc rc;

		if (!srv->configured ||
		    (v != s && srv == kg_httpd_server_get(s)))
			continue;
		if (start && metrics == NULL)
			metrics = shared_counters(pconf, v);
		if (start)
			srv->metrics = metrics;
		if (start && !open_audit(pconf, v, srv))
			return HTTP_INTERNAL_SERVER_ERROR;
		rc = kg_gateway_check(pconf, ptemp, srv->conf, &log,
				      start ? &state : NULL, &srv->keys, &err);
		log_warnings(v, srv->conf);
		if (rc != KG_OK) {
			/* the message starts with the offending FILE:LINE */
			kg_log_emit(&log, KG_LOG_ERROR, "KG-0001",
				    "configuration from %s", err.msg);
			return HTTP_INTERNAL_SERVER_ERROR;
		}
	}
	return OK;
}

/* A bad value, file or combination stops httpd at start. */
static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
		       server_rec *s)
{
	return check_servers(pconf, ptemp, s, true);
}

/* `apachectl configtest` (httpd -t) runs no post-config: the same checks
 * run here, and a failure ends the test with status 1 instead of
 * "Syntax OK". */
static void test_config(apr_pool_t *pconf, server_rec *s)
{
	apr_pool_t *ptemp;

	apr_pool_create(&ptemp, pconf);
	if (check_servers(pconf, ptemp, s, false) != OK) {
		fprintf(stderr, "keygate: configuration refused (see above "
				"or the error log)\n");
		exit(1);
	}
	apr_pool_destroy(ptemp);
}

/* With TZ unset, glibc's localtime() looks at /etc/localtime again on
 * every call (a stat system call), and lasso 2.8 as Debian builds it
 * calls localtime() for each of its debug lines: about 150 per SAML
 * login. TZ=:/etc/localtime names the same zone, read once; httpd's own
 * times (localtime_r) never re-read it anyway. Set only when TZ is
 * unset, in child_init: before the child starts its threads. */
static void pin_local_zone(void)
{
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 0);
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
	pin_local_zone();
	for (server_rec *v = s; v; v = v->next) {
		kg_httpd_server *srv = kg_httpd_server_get(v);
		kg_log log = kg_httpd_log_for_server(v);
		kg_err err = {0};

		if (!srv->configured || srv->gw)
			continue;
		/* before the gateway opens: it records its first loads */
		kg_metrics_use(srv->metrics);
		if (kg_gateway_open(pchild, srv->conf, srv->keys, &log,
				    &srv->gw, &err) != KG_OK) {
			kg_log_emit(&log, KG_LOG_ERROR, "KG-0002",
				    "cannot start: %s; "
				    "every request will get 503",
				    err.msg);
			continue;
		}
		kg_gateway_set_metrics(srv->gw, srv->metrics);
		/* the background thread stops with pchild, before exit */
		if (kg_gateway_start_background(srv->gw, pchild, &err) != KG_OK)
			kg_log_emit(&log, KG_LOG_ERROR, "KG-0730",
				    "no background work: %s", err.msg);
	}
}

/* The X-Forwarded-* headers keygate reads, and their names in logs. */
static const char *const forwarded_names[] = {
	"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"};
static const char *const forwarded_logged[] = {
	"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"};

/* X-Forwarded-For, -Proto and -Host: believed from a trusted proxy
 * (KeygateTrustedProxies), whose X-Forwarded-For then names the client
 * for logs, Require ip and keygate (as mod_remoteip does: the entries it
 * consumed leave the header, and mod_proxy appends the client for the
 * backend); deleted from anyone else, so they change nothing here or at
 * the backend. `Forwarded` is never read. */
static void read_forwarded(request_rec *r, const kg_httpd_server *srv)
{
	const char *xff =
		apr_table_getm(r->pool, r->headers_in, "X-Forwarded-For");
	kg_forwarded f;
	char stripped[64] = "";
	apr_sockaddr_t *addr;

	kg_forwarded_read(r->pool, srv->conf->gateway.trusted_proxies,
			  r->connection->client_ip, xff, NULL, NULL, &f);
	if (!f.trusted) {
		for (size_t i = 0; i < 3; i++) {
			if (apr_table_get(r->headers_in, forwarded_names[i]) ==
			    NULL)
				continue;
			apr_table_unset(r->headers_in, forwarded_names[i]);
			snprintf(stripped + strlen(stripped),
				 sizeof(stripped) - strlen(stripped), "%s%s",
				 stripped[0] ? "," : "", forwarded_logged[i]);
		}
		if (stripped[0])
			kg_httpd_logf(r, KG_LOG_WARN, "KG-0407",
				      "STRIP header=%s reason=untrusted_proxy",
				      stripped);
		return;
	}
	if (xff == NULL)
		return;
	if (f.xff_rest)
		apr_table_setn(r->headers_in, "X-Forwarded-For", f.xff_rest);
	else
		apr_table_unset(r->headers_in, "X-Forwarded-For");
	if (strcmp(f.client_ip, r->useragent_ip) != 0 &&
	    apr_sockaddr_info_get(&addr, f.client_ip, APR_UNSPEC, 0, 0,
				  r->pool) == APR_SUCCESS) {
		r->useragent_addr = addr;
		r->useragent_ip = apr_pstrdup(r->pool, f.client_ip);
	}
}

/* Before anything else, for every request of a keygate server: no client
 * can send domino-username (in any case or spelling), and only a trusted
 * proxy X-Forwarded-*. */
static int post_read_request(request_rec *r)
{
	kg_httpd_server *srv = kg_httpd_server_get(r->server);
	static kg_conf_location none;

	if (!srv->configured)
		return DECLINED;
	/* first, so every line logged for the request names the client */
	read_forwarded(r, srv);
	if (kg_identity_scrub(r->pool, r->headers_in, &none) > 0)
		kg_httpd_logf(r, KG_LOG_WARN, "KG-0404", "STRIP header=%s",
			      KG_USERNAME_HEADER);
	return DECLINED;
}

/* keygate's own endpoints (under the prefix, and Keycloak's broker paths
 * when KeygateSAMLKeycloakPaths is set), before authentication. */
static int quick_handler(request_rec *r, int lookup_uri)
{
	kg_httpd_server *srv = kg_httpd_server_get(r->server);
	kg_log log;
	kg_req *req;
	kg_resp *resp;
	int rc;

	if (!srv->configured || lookup_uri || r->parsed_uri.path == NULL ||
	    kg_gateway_admin_path(srv->conf, r->parsed_uri.path) ||
	    (strncmp(r->parsed_uri.path, srv->conf->gateway.prefix,
		     strlen(srv->conf->gateway.prefix)) != 0 &&
	     !kg_conf_saml_is_broker_path(srv->conf, r->parsed_uri.path) &&
	     kg_conf_realm_endpoint(srv->conf, r->parsed_uri.path) ==
		     KG_REALM_EP_NONE))
		return DECLINED;
	if (srv->gw == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	log = kg_httpd_log_for_request(r);
	req = kg_httpd_req_from(r);
	if (r->method_number == M_POST &&
	    (rc = kg_httpd_read_body(r, req)) != OK) {
		/* security.md 0.1 I7: a refused body is logged with a reason
		 * like every other refusal */
		kg_httpd_logf(r, KG_LOG_WARN, "KG-0405",
			      "REJECT proto=parser reason=%s",
			      rc == HTTP_REQUEST_ENTITY_TOO_LARGE
				      ? "body_too_large"
				      : "body_unreadable");
		return rc;
	}
	resp = kg_resp_make(r->pool);
	kg_gateway_endpoint(srv->gw, req, &log, resp);
	return kg_httpd_resp_apply(r, resp);
}

/* PREFIX admin/...: the admin API, answered only after httpd
 * authenticated the caller with AuthType keygate and a Require
 * keygate-role, -org or -attr rule the admin wrote for the location
 * granted it. Anything less is 403: no <Location> for it
 * (not_authenticated), or only rules that any signed-in user may pass,
 * such as Require valid-user (no_keygate_rule); httpd itself answers 500
 * for AuthType keygate with no Require at all. So the API is never open
 * by omission. */
static int admin_handler(request_rec *r)
{
	kg_httpd_server *srv = kg_httpd_server_get(r->server);
	kg_httpd_request_state *st = kg_httpd_request_state_get(r);
	const char *type = ap_auth_type(r);
	const char *why = NULL;
	kg_log log;
	kg_resp *resp;

	if (!srv->configured || r->parsed_uri.path == NULL ||
	    kg_gateway_admin_path(srv->conf, r->parsed_uri.path) == NULL)
		return DECLINED;
	if (srv->gw == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	if (st)
		st->admin_seen = true;
	if (type == NULL || strcasecmp(type, "keygate") != 0 ||
	    r->user == NULL || st == NULL || st->caller.user == NULL)
		why = "not_authenticated";
	else if (!st->keygate_rule_granted)
		why = "no_keygate_rule";
	if (why) {
		kg_httpd_logf(r, KG_LOG_WARN, "KG-0725",
			      "AUDIT event=\"Admin API Refused\" actor=%s "
			      "target=- method=%s reason=%s via=api",
			      r->user ? r->user : "-", r->method, why);
		return HTTP_FORBIDDEN;
	}
	log = kg_httpd_log_for_request(r);
	resp = kg_resp_make(r->pool);
	kg_gateway_admin(srv->gw, kg_httpd_req_from(r), r->user, &log, resp);
	return kg_httpd_resp_apply(r, resp);
}

/* An admin API call that httpd refused before the admin handler saw it
 * (a signed-in caller whom the location's Require rule turned away, 403)
 * is an audit event too, with the caller as actor: every attempt on the
 * API is in the audit stream, not only in httpd's AH01631 line. */
static int log_admin_refusal(request_rec *r)
{
	kg_httpd_server *srv = kg_httpd_server_get(r->server);
	const kg_httpd_request_state *st = kg_httpd_request_state_get(r);

	if (r->status != HTTP_FORBIDDEN || st == NULL || st->admin_seen ||
	    st->caller.user == NULL || srv == NULL || !srv->configured ||
	    r->parsed_uri.path == NULL ||
	    kg_gateway_admin_path(srv->conf, r->parsed_uri.path) == NULL)
		return DECLINED;
	kg_httpd_logf(r, KG_LOG_WARN, "KG-0725",
		      "AUDIT event=\"Admin API Refused\" actor=%s target=- "
		      "method=%s reason=require_denied via=api",
		      st->caller.user->username ? st->caller.user->username
						: "-",
		      r->method);
	return DECLINED;
}

/* AuthType keygate: who is calling? */
static int check_authn(request_rec *r)
{
	kg_httpd_server *srv = kg_httpd_server_get(r->server);
	const char *type = ap_auth_type(r);
	kg_conf_location *loc;
	kg_httpd_request_state *st;
	kg_log log;
	kg_req *req;
	kg_resp *resp;
	const char *read_body;
	int rc;

	if (type == NULL || strcasecmp(type, "keygate") != 0)
		return DECLINED;
	loc = kg_httpd_location_get(r);
	kg_identity_scrub(r->pool, r->headers_in, loc);
	if (!srv->configured || srv->gw == NULL) {
		kg_httpd_logf(r, KG_LOG_ERROR, "KG-0003",
			      "AuthType keygate without a working gateway");
		return HTTP_SERVICE_UNAVAILABLE;
	}
	log = kg_httpd_log_for_request(r);
	req = kg_httpd_req_from(r);
	if ((rc = kg_httpd_read_form(r, req)) != OK) {
		kg_httpd_logf(r, KG_LOG_WARN, "KG-0405",
			      "REJECT proto=parser reason=%s",
			      rc == HTTP_REQUEST_ENTITY_TOO_LARGE
				      ? "body_too_large"
				      : "body_unreadable");
		return rc;
	}
	read_body = req->body;
	resp = kg_resp_make(r->pool);
	st = kg_httpd_request_state_new(r);
	kg_gateway_authenticate(srv->gw, loc, req, &log, resp, &st->caller);
	kg_httpd_req_hand_on(r, req, read_body);
	if (resp->action == KG_RESP_CONTINUE) {
		r->user = apr_pstrdup(r->pool, resp->user);
		r->ap_auth_type = "keygate";
		st->backend_headers = resp->backend_headers;
	}
	rc = kg_httpd_resp_apply(r, resp);
	/* a page written here (the kept-POST page, 200) is the whole
	 * answer: OK would tell httpd the request is authenticated */
	return rc == OK && resp->action == KG_RESP_REPLY ? DONE : rc;
}

/* After authorization: the identity for the backend. When keygate did
 * not authenticate the request (httpd granted access without asking for
 * a user: Require all granted, Require ip, Satisfy Any), the location's
 * identity headers are still scrubbed, so nothing a client sent under
 * those names reaches the backend. */
static int fixups(request_rec *r)
{
	kg_httpd_request_state *st = kg_httpd_request_state_get(r);
	kg_httpd_server *srv = kg_httpd_server_get(r->server);
	kg_conf_location *loc = kg_httpd_location_get(r);
	static kg_conf_location none;
	const char *dropped;

	/* no Connection token may make the proxy drop what keygate sets */
	if (srv->configured &&
	    (dropped = kg_identity_guard_connection(r->pool, r->headers_in,
						    loc ? loc : &none)))
		kg_httpd_logf(r, KG_LOG_WARN, "KG-0416",
			      "STRIP connection-token=%.128s "
			      "reason=hop_by_hop_identity",
			      dropped);
	if (st && st->backend_headers) {
		apr_table_overlap(r->headers_in, st->backend_headers,
				  APR_OVERLAP_TABLES_SET);
		return DECLINED;
	}
	if (loc && loc->headers)
		kg_identity_scrub(r->pool, r->headers_in, loc);
	if (loc && loc->app_jwt == KG_FLAG_ON)
		apr_table_unset(r->headers_in, "Authorization");
	return DECLINED;
}

static void register_hooks(apr_pool_t *p)
{
	ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
	ap_hook_test_config(test_config, NULL, NULL, APR_HOOK_MIDDLE);
	ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
	ap_hook_post_read_request(post_read_request, NULL, NULL,
				  APR_HOOK_REALLY_FIRST);
	ap_hook_quick_handler(quick_handler, NULL, NULL, APR_HOOK_FIRST);
	ap_hook_handler(admin_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
	ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE,
			    AP_AUTH_INTERNAL_PER_CONF);
	ap_hook_fixups(fixups, NULL, NULL, APR_HOOK_REALLY_FIRST);
	ap_hook_log_transaction(log_admin_refusal, NULL, NULL, APR_HOOK_MIDDLE);
	ap_register_input_filter("KEYGATE_KEPT_FORM", kg_httpd_kept_form_in,
				 NULL, AP_FTYPE_RESOURCE);
	kg_httpd_register_authz(p);
}

/* The one symbol the module exports (everything else is hidden). */
extern module __attribute__((visibility("default")))
AP_MODULE_DECLARE_DATA keygate_module;

AP_DECLARE_MODULE(keygate) = {
	STANDARD20_MODULE_STUFF,
	kg_httpd_create_location,
	kg_httpd_merge_location,
	kg_httpd_create_server,
	kg_httpd_merge_server,
	NULL, /* commands: cmds.c fills them in at load */
	register_hooks,
	AP_MODULE_FLAG_NONE,
};
