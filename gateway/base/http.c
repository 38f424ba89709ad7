/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the neutral request and response.
 */
#include "http.h"
#include "metrics.h"
#include "str.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

kg_req *kg_req_make(apr_pool_t *pool)
{
	kg_req *req = apr_pcalloc(pool, sizeof(*req));

	req->pool = pool;
	req->headers = apr_table_make(pool, 16);
	return req;
}

kg_resp *kg_resp_make(apr_pool_t *pool)
{
	kg_resp *resp = apr_pcalloc(pool, sizeof(*resp));

	resp->action = KG_RESP_DECLINE;
	resp->headers = apr_table_make(pool, 4);
	resp->backend_headers = apr_table_make(pool, 8);
	return resp;
}

const char *kg_req_header(const kg_req *req, const char *name)
{
	return apr_table_get(req->headers, name);
}

typedef struct {
	const char *name;
	size_t name_len;
	const char *value;
	int count;
	apr_pool_t *pool;
} cookie_search;

/* Scans one Cookie header for the wanted name. */
static int scan_cookie_header(void *data, const char *key, const char *value)
{
	cookie_search *s = data;
	const char *p = value;

	while (*p) {
		const char *end = strchr(p, ';');
		const char *eq;
		size_t n = end ? (size_t)(end - p) : strlen(p);

		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		eq = memchr(p, '=', n);
		if (eq && (size_t)(eq - p) == s->name_len &&
		    strncmp(p, s->name, s->name_len) == 0) {
			s->count++;
			s->value = apr_pstrmemdup(s->pool, eq + 1,
						  n - s->name_len - 1);
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 1;
}

const char *kg_req_cookie(const kg_req *req, const char *name)
{
	cookie_search s = {
		.name = name, .name_len = strlen(name), .pool = req->pool};

	apr_table_do(scan_cookie_header, &s, req->headers, "Cookie", NULL);
	return s.count == 1 ? s.value : NULL;
}

bool kg_req_wants_html(const kg_req *req)
{
	const char *accept = kg_req_header(req, "Accept");
	const char *xhr = kg_req_header(req, "X-Requested-With");

	if (xhr && strcasecmp(xhr, "XMLHttpRequest") == 0)
		return false;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return false;
	return accept && strstr(accept, "text/html") != NULL;
}

void kg_resp_reply(kg_resp *resp, int status, const char *content_type,
		   const char *body)
{
	resp->action = KG_RESP_REPLY;
	resp->status = status;
	resp->content_type = content_type;
	resp->body = body;
	resp->body_len = body ? strlen(body) : 0;
}

void kg_resp_fail(kg_resp *resp, kg_rc rc, const char *reason)
{
	resp->action = KG_RESP_FAIL;
	resp->rc = rc;
	resp->reason = reason;
	kg_metrics_refusal(reason);
}

void kg_resp_redirect(kg_resp *resp, const char *location)
{
	apr_table_setn(resp->headers, "Location", location);
	kg_resp_reply(resp, 302, NULL, NULL);
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

const char *kg_req_param(const kg_req *req, const char *name)
{
	return param_in(req->pool, req->query,
			req->query ? strlen(req->query) : 0, name);
}

bool kg_req_is_form(const kg_req *req)
{
	const char *type = kg_req_header(req, "Content-Type");

	return type &&
	       strncasecmp(type, "application/x-www-form-urlencoded", 33) ==
		       0 &&
	       (type[33] == '\0' || type[33] == ';' || type[33] == ' ' ||
		type[33] == '\t');
}

const char *kg_req_form_param(const kg_req *req, const char *name)
{
	if (!kg_req_is_form(req))
		return NULL;
	return param_in(req->pool, req->body, req->body_len, name);
}

int kg_params_strip(apr_pool_t *pool, const char *s, size_t len,
		    const char *name, const char **out, size_t *out_len)
{
	const char *p = s, *end_all = s + len;
	kg_buf kept;
	int removed = 0;

	kg_buf_init(&kept, pool, len + 1);
	while (p && p < end_all) {
		const char *end = memchr(p, '&', (size_t)(end_all - p));
		size_t n = end ? (size_t)(end - p) : (size_t)(end_all - p);
		const char *eq = memchr(p, '=', n);
		const char *key =
			kg_str_url_decode(pool, p, eq ? (size_t)(eq - p) : n);
		if (key && strcmp(key, name) == 0) {
			removed++;
		} else if (n > 0) {
			if (kept.len > 0)
				kg_buf_addc(&kept, '&');
			kg_buf_add(&kept, p, n);
		}
		p = end ? end + 1 : NULL;
	}
	*out = kept.data;
	*out_len = kept.len;
	return removed;
}
