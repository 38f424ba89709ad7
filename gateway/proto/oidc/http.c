/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: HTTP calls to an OpenID provider over liboauth2.
 *
 * liboauth2 logs requests and replies at debug level, secrets included,
 * so its log is opened at error level only; those lines go to our sink.
 */
#include "gateway/proto/oidc/http.h"

#include <oauth2/http.h>
#include <oauth2/log.h>
#include <oauth2/mem.h>
#include <oauth2/util.h>

#include <apr_strings.h>
#include <string.h>

/* Forwards one liboauth2 error line to the kg_log in the sink's ctx. */
static void oidc_http_log_sink(oauth2_log_sink_t *sink, const char *filename,
			       unsigned long line, const char *function,
			       oauth2_log_level_t level, const char *msg)
{
	kg_log_emit(oauth2_log_sink_ctx_get(sink), KG_LOG_WARN, "KG-0430",
		    "liboauth2 function=%s msg=%s", function, msg);
}

/* Opens a liboauth2 log that forwards errors to log. */
static oauth2_log_t *oidc_http_log_open(const kg_log *log)
{
	oauth2_log_sink_t *sink = oauth2_log_sink_create(
		OAUTH2_LOG_ERROR, oidc_http_log_sink, (void *)log);

	return oauth2_log_init(OAUTH2_LOG_ERROR, sink);
}

/* Makes a call context with the options' TLS settings and time limit. */
static oauth2_http_call_ctx_t *oidc_http_ctx(oauth2_log_t *l,
					     const kg_oidc_http_opts *opts)
{
	oauth2_http_call_ctx_t *ctx = oauth2_http_call_ctx_init(l);

	if (ctx == NULL)
		return NULL;
	oauth2_http_call_ctx_timeout_set(l, ctx, (int)opts->timeout_s);
	oauth2_http_call_ctx_ssl_verify_set(l, ctx, opts->ssl_verify);
	if (opts->ca_file)
		oauth2_http_call_ctx_ca_info_set(l, ctx, (char *)opts->ca_file);
	return ctx;
}

/* Copies liboauth2's reply into pool and frees it; sets the error when
 * the call got no answer. */
static kg_rc oidc_http_finish(apr_pool_t *pool, bool ok, char *body,
			      oauth2_http_status_code_t status, const char *url,
			      kg_oidc_http_reply *out, kg_err *err)
{
	kg_rc rc = KG_OK;

	if (!ok || status == 0)
		rc = kg_err_set(err, KG_EBACKEND,
				"oidc_unreachable: no answer from %s", url);
	else {
		out->status = (int)status;
		out->len = body ? strlen(body) : 0;
		out->body = apr_pstrmemdup(pool, body ? body : "", out->len);
	}
	if (body)
		oauth2_mem_free(body);
	return rc;
}

kg_rc kg_oidc_http_get(apr_pool_t *pool, const kg_oidc_http_opts *opts,
		       const char *url, const char *bearer,
		       kg_oidc_http_reply *out, kg_err *err)
{
	oauth2_log_t *l = oidc_http_log_open(opts->log);
	oauth2_http_call_ctx_t *ctx = oidc_http_ctx(l, opts);
	oauth2_http_status_code_t status = 0;
	char *body = NULL;
	bool ok = false;
	kg_rc rc;

	if (ctx && bearer)
		oauth2_http_call_ctx_hdr_set(
			l, ctx, "Authorization",
			apr_pstrcat(pool, "Bearer ", bearer, NULL));
	if (ctx)
		ok = oauth2_http_get(l, url, NULL, ctx, &body, &status);
	rc = oidc_http_finish(pool, ok, body, status, url, out, err);
	oauth2_http_call_ctx_free(l, ctx);
	oauth2_log_free(l);
	return rc;
}

kg_rc kg_oidc_http_post_form(apr_pool_t *pool, const kg_oidc_http_opts *opts,
			     const char *url, const kg_oidc_http_param *params,
			     size_t n, const char *basic_user,
			     const char *basic_pass, kg_oidc_http_reply *out,
			     kg_err *err)
{
	oauth2_log_t *l = oidc_http_log_open(opts->log);
	oauth2_http_call_ctx_t *ctx = oidc_http_ctx(l, opts);
	oauth2_nv_list_t *form = oauth2_nv_list_init(l);
	oauth2_http_status_code_t status = 0;
	char *body = NULL;
	bool ok = false;
	kg_rc rc;

	for (size_t i = 0; form && i < n; i++)
		oauth2_nv_list_add(l, form, params[i].name, params[i].value);
	if (ctx && basic_user)
		oauth2_http_call_ctx_basic_auth_set(l, ctx, basic_user,
						    basic_pass, true);
	if (ctx && form)
		ok = oauth2_http_post_form(l, url, form, ctx, &body, &status);
	rc = oidc_http_finish(pool, ok, body, status, url, out, err);
	oauth2_nv_list_free(l, form);
	oauth2_http_call_ctx_free(l, ctx);
	oauth2_log_free(l);
	return rc;
}

kg_json *kg_oidc_http_json(apr_pool_t *pool, const kg_oidc_http_reply *r)
{
	kg_json *v;
	kg_json_error e;

	if (!kg_json_parse(pool, r->body, r->len, KG_JSON_DEFAULT_DEPTH, &v,
			   &e) ||
	    v->type != KG_JSON_OBJECT)
		return NULL;
	return v;
}

kg_rc kg_oidc_http_fetch(void *ctx, apr_pool_t *pool, const char *uri,
			 int *status, const char **body, size_t *len,
			 kg_err *err)
{
	kg_oidc_http_reply reply;
	kg_rc rc = kg_oidc_http_get(pool, ctx, uri, NULL, &reply, err);

	if (rc == KG_OK) {
		*status = reply.status;
		*body = reply.body;
		*len = reply.len;
	}
	return rc;
}

kg_jwt_source kg_oidc_http_source(const kg_oidc_http_opts *opts)
{
	kg_jwt_source src = {kg_oidc_http_fetch, (void *)opts,
			     opts->timeout_s * 1000, opts->log};

	return src;
}
