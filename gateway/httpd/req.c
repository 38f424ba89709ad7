/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: request_rec to kg_req, and kg_resp back to httpd.
 */
#include "gateway/httpd/binding.h"
#include "gateway/flow/core/forwarded.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

APLOG_USE_MODULE(keygate);

/* The largest request body an endpoint reads (callback form_post,
 * back-channel logout token). */
#define KG_HTTPD_BODY_MAX (64 * 1024)

kg_req *kg_httpd_req_from(request_rec *r)
{
	kg_httpd_server *srv = kg_httpd_server_get(r->server);
	kg_req *req = kg_req_make(r->pool);
	kg_forwarded f;

	/* the public origin: a trusted proxy's X-Forwarded-Proto and -Host
	 * (from anyone else they were deleted at post_read_request), else
	 * httpd's view (UseCanonicalName decides between ServerName and
	 * the Host header) */
	kg_forwarded_read(
		r->pool, srv->conf->gateway.trusted_proxies,
		r->connection->client_ip, NULL,
		apr_table_getm(r->pool, r->headers_in, "X-Forwarded-Proto"),
		apr_table_getm(r->pool, r->headers_in, "X-Forwarded-Host"), &f);
	req->method = r->method;
	req->scheme = f.scheme ? f.scheme : ap_http_scheme(r);
	if (f.host) {
		req->host = f.host;
		req->port = f.port;
	} else {
		req->host = ap_get_server_name_for_url(r);
		/* behind a proxy that names only the scheme, the port is
		 * that scheme's unless the Host header gave one */
		req->port = f.scheme && r->parsed_uri.port_str == NULL
				    ? 0
				    : ap_get_server_port(r);
	}
	req->path = r->parsed_uri.path ? r->parsed_uri.path : "/";
	req->query = r->args;
	req->headers = r->headers_in;
	req->client_ip = r->useragent_ip;
	return req;
}

/* Reads a POST body of at most KG_HTTPD_BODY_MAX bytes into req. Returns
 * OK, or the HTTP status to answer (413 when larger). */
int kg_httpd_read_body(request_rec *r, kg_req *req)
{
	char *buf;
	apr_size_t len = 0;
	int rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);

	if (rc != OK)
		return rc;
	if (!ap_should_client_block(r))
		return OK;
	if (r->remaining > KG_HTTPD_BODY_MAX)
		return HTTP_REQUEST_ENTITY_TOO_LARGE;
	buf = apr_palloc(r->pool, KG_HTTPD_BODY_MAX + 1);
	for (;;) {
		long n = ap_get_client_block(r, buf + len,
					     KG_HTTPD_BODY_MAX + 1 - len);
		if (n < 0)
			return HTTP_BAD_REQUEST;
		if (n == 0)
			break;
		len += (apr_size_t)n;
		if (len > KG_HTTPD_BODY_MAX)
			return HTTP_REQUEST_ENTITY_TOO_LARGE;
	}
	buf[len] = '\0';
	req->body = buf;
	req->body_len = len;
	return OK;
}

/* The largest form body check_authn reads to look for access_token. */
#define KG_HTTPD_FORM_MAX (1024 * 1024)

/* A form body read before authentication, handed on to the handler. */
typedef struct {
	const char *data;
	apr_size_t len, off;
} kept_form;

int kg_httpd_read_form(request_rec *r, kg_req *req)
{
	apr_bucket_brigade *bb;
	char *buf = NULL;
	apr_size_t len = 0, cap = 0;
	int eos = 0;

	if (r->main || !ap_request_has_body(r) || !kg_req_is_form(req))
		return OK;
	bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
	while (!eos) {
		apr_status_t rv =
			ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
				       APR_BLOCK_READ, 8192);
		if (rv != APR_SUCCESS)
			return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
		for (apr_bucket *b = APR_BRIGADE_FIRST(bb);
		     b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
			const char *data;
			apr_size_t n;
			if (APR_BUCKET_IS_EOS(b)) {
				eos = 1;
				break;
			}
			if (APR_BUCKET_IS_METADATA(b))
				continue;
			if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) !=
			    APR_SUCCESS)
				return HTTP_BAD_REQUEST;
			if (len + n > KG_HTTPD_FORM_MAX)
				return HTTP_REQUEST_ENTITY_TOO_LARGE;
			if (len + n + 1 > cap) {
				char *grown;
				cap = (len + n + 1) * 2;
				grown = apr_palloc(r->pool, cap);
				if (len > 0)
					memcpy(grown, buf, len);
				buf = grown;
			}
			memcpy(buf + len, data, n);
			len += n;
		}
		apr_brigade_cleanup(bb);
	}
	if (buf == NULL)
		buf = apr_pcalloc(r->pool, 1);
	buf[len] = '\0';
	req->body = buf;
	req->body_len = len;
	return OK;
}

/* Hands the kept form body to whoever reads the request body next (the
 * proxy), then the end of the stream. */
apr_status_t kg_httpd_kept_form_in(ap_filter_t *f, apr_bucket_brigade *bb,
				   ap_input_mode_t mode, apr_read_type_e block,
				   apr_off_t readbytes)
{
	kept_form *k = f->ctx;
	apr_size_t n;

	if (mode != AP_MODE_READBYTES && mode != AP_MODE_SPECULATIVE &&
	    mode != AP_MODE_EXHAUSTIVE)
		return ap_get_brigade(f->next, bb, mode, block, readbytes);
	if (k->off >= k->len) {
		APR_BRIGADE_INSERT_TAIL(
			bb, apr_bucket_eos_create(f->c->bucket_alloc));
		return APR_SUCCESS;
	}
	n = k->len - k->off;
	if (mode != AP_MODE_EXHAUSTIVE && readbytes > 0 &&
	    (apr_size_t)readbytes < n)
		n = (apr_size_t)readbytes;
	APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_heap_create(k->data + k->off, n,
							   NULL,
							   f->c->bucket_alloc));
	if (mode != AP_MODE_SPECULATIVE)
		k->off += n;
	return APR_SUCCESS;
}

void kg_httpd_req_hand_on(request_rec *r, const kg_req *req,
			  const char *read_body)
{
	if (req->query != r->args) {
		char *q = strchr(r->unparsed_uri, '?');
		r->args = req->query ? apr_pstrdup(r->pool, req->query) : NULL;
		r->parsed_uri.query = r->args;
		if (q)
			r->unparsed_uri = apr_pstrcat(
				r->pool,
				apr_pstrmemdup(
					r->pool, r->unparsed_uri,
					(apr_size_t)(q - r->unparsed_uri)),
				r->args ? "?" : "", r->args, NULL);
	}
	if (read_body) {
		kept_form *k = apr_pcalloc(r->pool, sizeof(*k));
		k->data = req->body;
		k->len = req->body_len;
		ap_add_input_filter("KEYGATE_KEPT_FORM", k, r, r->connection);
		if (req->body != read_body) {
			/* a shorter body: its length is now known */
			apr_table_unset(r->headers_in, "Transfer-Encoding");
			apr_table_setn(
				r->headers_in, "Content-Length",
				kg_psprintf(r->pool, "%zu", (size_t)k->len));
		}
	}
}

static int copy_header(void *data, const char *key, const char *value)
{
	apr_table_addn(data, key, value);
	return 1;
}

/* Sends an error status with the core's own body and type (a page, or
 * JSON for an API client) instead of httpd's stock error page; DONE
 * tells httpd the answer is complete. */
static int send_error_body(request_rec *r, int status, const kg_resp *resp)
{
	r->status = status;
	ap_set_content_type(r, resp->content_type ? resp->content_type
						  : "text/plain");
	if (!r->header_only)
		ap_rwrite(resp->body, (int)resp->body_len, r);
	return DONE;
}

int kg_httpd_resp_apply(request_rec *r, const kg_resp *resp)
{
	int status;

	switch (resp->action) {
	case KG_RESP_DECLINE:
		return DECLINED;
	case KG_RESP_CONTINUE:
		return OK;
	case KG_RESP_FAIL:
		apr_table_do(copy_header, r->err_headers_out, resp->headers,
			     NULL);
		status = kg_httpd_status_of(resp->rc);
		kg_httpd_logf(r, KG_LOG_INFO, "KG-0400", "status=%d reason=%s",
			      status, resp->reason ? resp->reason : "-");
		return resp->body ? send_error_body(r, status, resp) : status;
	case KG_RESP_REPLY:
		break;
	}
	apr_table_do(copy_header, r->err_headers_out, resp->headers, NULL);
	if (resp->status >= 300 && resp->status < 400)
		return resp->status;
	if (resp->status >= 400)
		return resp->body ? send_error_body(r, resp->status, resp)
				  : resp->status;
	r->status = resp->status;
	if (resp->content_type)
		ap_set_content_type(r, resp->content_type);
	if (resp->body && !r->header_only)
		ap_rwrite(resp->body, (int)resp->body_len, r);
	return OK;
}
