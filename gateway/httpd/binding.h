/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: the httpd binding's private declarations. This folder is
 * the only code that names httpd headers or request_rec; it decides
 * nothing, it translates.
 */
#ifndef KG_HTTPD_BINDING_H
#define KG_HTTPD_BINDING_H

#include "conf/conf.h"
#include "conf/location.h"
#include "gateway/base/http.h"
#include "gateway/base/log.h"
#include "gateway/flow/gateway.h"

#include <apr_file_io.h>
#include <httpd.h>
#include <http_config.h>
#include <util_filter.h>

extern module AP_MODULE_DECLARE_DATA keygate_module;

/* Per-server state: the settings as directives built them, and the
 * process-wide gateway made from them at child start. */
typedef struct {
	kg_conf *conf;
	bool configured;	/* some Keygate* directive was used */
	kg_gateway *gw;		/* NULL until child_init */
	const char *defined_in; /* file:line of the first directive */
	void *metrics;		/* counters shared by the children, or NULL */
	kg_gateway_keys *keys;	/* loaded as root at post_config */
	apr_file_t *audit;	/* KeygateAuditLog, opened by the parent;
				   NULL: none */
} kg_httpd_server;

kg_httpd_server *kg_httpd_server_get(const server_rec *s);
kg_conf_location *kg_httpd_location_get(const request_rec *r);

/* Builds the neutral request from r (headers copied after scrubbing). */
kg_req *kg_httpd_req_from(request_rec *r);

/* Reads r's body into req (bounded); an httpd status when it cannot. */
int kg_httpd_read_body(request_rec *r, kg_req *req);

/* Reads r's application/x-www-form-urlencoded body, if it has one, into
 * req->body (at most 1 MiB: 413 beyond), so the core can look for an
 * access_token parameter; OK, or the status to answer. The body must
 * then be handed on with kg_httpd_req_hand_on. */
int kg_httpd_read_form(request_rec *r, kg_req *req);

/* After the core ran: carries a query the core rewrote back into r, and
 * hands the form body (read_body: req->body as kg_httpd_read_form read
 * it, or NULL when it read none) on to the handler through the
 * KEYGATE_KEPT_FORM input filter, the body the core left (with its new
 * Content-Length when it changed). */
void kg_httpd_req_hand_on(request_rec *r, const kg_req *req,
			  const char *read_body);

/* The KEYGATE_KEPT_FORM input filter. */
apr_status_t kg_httpd_kept_form_in(ap_filter_t *f, apr_bucket_brigade *bb,
				   ap_input_mode_t mode, apr_read_type_e block,
				   apr_off_t readbytes);

/* Applies a REPLY response to r and returns the status for the hook to
 * return; CONTINUE and DECLINE return OK and DECLINED. */
int kg_httpd_resp_apply(request_rec *r, const kg_resp *resp);

/* The HTTP status a core result maps to (the one table). */
int kg_httpd_status_of(kg_rc rc);

/* A kg_log whose sink is ap_log_rerror (r) or ap_log_error (s). */
kg_log kg_httpd_log_for_request(request_rec *r);
kg_log kg_httpd_log_for_server(server_rec *s);

/* Logs one line of r through the core's sink (its formatter, text or
 * JSON, and the audit stream), as kg_log_emit does. */
void kg_httpd_logf(request_rec *r, kg_log_level level, const char *id,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Registers the Require keygate-role/-org/-attr providers. */
void kg_httpd_register_authz(apr_pool_t *p);

#endif
