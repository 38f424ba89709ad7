/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: request_rec to kg_req, and kg_resp back to httpd.
 */
#include "gateway/httpd/binding.h"
#include "gateway/flow/core/forwarded.h"

#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

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

static int copy_header(void *data, const char *key, const char *value)
{
	apr_table_addn(data, key, value);
	return 1;
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
		ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
			      "keygate: KG-0400 status=%d reason=%s", status,
			      resp->reason ? resp->reason : "-");
		return status;
	case KG_RESP_REPLY:
		break;
	}
	apr_table_do(copy_header, r->err_headers_out, resp->headers, NULL);
	if (resp->status >= 300 && resp->status < 400)
		return resp->status;
	if (resp->status >= 400) {
		if (resp->body)
			ap_custom_response(r, resp->status, resp->body);
		return resp->status;
	}
	r->status = resp->status;
	if (resp->content_type)
		ap_set_content_type(r, resp->content_type);
	if (resp->body && !r->header_only)
		ap_rwrite(resp->body, (int)resp->body_len, r);
	return OK;
}
