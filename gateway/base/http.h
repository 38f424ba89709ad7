/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the neutral request and response the core works on.
 *
 * gateway/httpd turns an httpd request into a kg_req once (after deleting
 * every identity header the client sent) and applies the kg_resp the core
 * returns; the core never sees httpd. Everything lives in req->pool, the
 * request's pool.
 */
#ifndef KG_HTTP_H
#define KG_HTTP_H

#include "err.h"

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	apr_pool_t *pool;
	const char *method; /* "GET" */
	const char *scheme; /* "https" */
	const char *host;   /* Host, without the port */
	int port;
	const char *path;     /* the raw path, e.g. "/keygate/logout" */
	const char *query;    /* the raw query string, or NULL */
	apr_table_t *headers; /* request headers, identity headers removed */
	const char *client_ip;
	const char *body; /* a read form or JSON body, or NULL */
	size_t body_len;
	long long start_us; /* kg_metrics_clock_us when keygate's endpoint
			       began; 0: not timed */
} kg_req;

typedef enum {
	KG_RESP_CONTINUE = 0, /* authenticated: hand on to the backend */
	KG_RESP_DECLINE,      /* not ours: let httpd go on unchanged */
	KG_RESP_REPLY,	      /* answer with status, headers and body */
	KG_RESP_FAIL	      /* answer the status rc maps to (the
				 binding's one table), with headers */
} kg_resp_action;

typedef struct {
	kg_resp_action action;
	int status;		      /* REPLY: the HTTP status */
	apr_table_t *headers;	      /* to the client (Set-Cookie, ...) */
	apr_table_t *backend_headers; /* CONTINUE: identity to the backend */
	const char *user;	      /* CONTINUE: REMOTE_USER */
	const char *content_type;     /* REPLY: the body's type */
	const char *body;	      /* REPLY: the body, or NULL */
	size_t body_len;
	kg_rc rc;	    /* FAIL: what went wrong */
	const char *reason; /* FAIL: one token for the log line */
} kg_resp;

/* Makes an empty request or response in pool. */
kg_req *kg_req_make(apr_pool_t *pool);
kg_resp *kg_resp_make(apr_pool_t *pool);

/* The value of header name (case-insensitive), or NULL. */
const char *kg_req_header(const kg_req *req, const char *name);

/* The value of cookie name in the Cookie headers, or NULL. A name sent
 * twice is ambiguous and reads as NULL (a cookie-tossing defence). */
const char *kg_req_cookie(const kg_req *req, const char *name);

/* True when the client asks for HTML (a browser navigation), as opposed
 * to an API or XHR call. */
bool kg_req_wants_html(const kg_req *req);

/* Sets a reply with a fixed body. */
void kg_resp_reply(kg_resp *resp, int status, const char *content_type,
		   const char *body);

/* Sets a failure: the binding answers with the status rc maps to and
 * logs reason (a short token such as "session_invalid"). */
void kg_resp_fail(kg_resp *resp, kg_rc rc, const char *reason);

/* Sets a 302 to location (which the caller has checked is local). */
void kg_resp_redirect(kg_resp *resp, const char *location);

/* The decoded value of name in the query string, or NULL; in req's
 * pool. The first occurrence wins. */
const char *kg_req_param(const kg_req *req, const char *name);

/* The decoded value of name in an application/x-www-form-urlencoded
 * body, or NULL (also for any other content type); in req's pool. */
const char *kg_req_form_param(const kg_req *req, const char *name);

/* True when req carries an application/x-www-form-urlencoded body. */
bool kg_req_is_form(const kg_req *req);

/* Removes from the a=b&c=d text s[0..len) every parameter whose decoded
 * name is name (a value alone, "name" without '=', counts too). Returns
 * how many it removed; *out (NUL-terminated, *out_len bytes, in pool) is
 * the rest joined by '&', "" when nothing is left. */
int kg_params_strip(apr_pool_t *pool, const char *s, size_t len,
		    const char *name, const char **out, size_t *out_len);

#endif
