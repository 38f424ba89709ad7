/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: a tiny HTTP/1.1 server on 127.0.0.1 (a free port)
 * in a thread, answering fixed routes, so the OIDC and JWT code can talk
 * to a "provider" without leaving the test. One request per connection;
 * it remembers how often each path was hit and the last request's body
 * and Authorization header.
 */
#ifndef KGT_HTTP_STUB_H
#define KGT_HTTP_STUB_H

#include <apr_pools.h>

typedef struct kgt_http kgt_http;

/* Starts a server; stopped and freed when pool is destroyed. */
kgt_http *kgt_http_start(apr_pool_t *pool);

/* "http://127.0.0.1:PORT" + path, in pool. */
const char *kgt_http_url(kgt_http *h, apr_pool_t *pool, const char *path);

/* Answers path (query ignored) with status, content type and body
 * (copied); replaces an earlier route for path. */
void kgt_http_route(kgt_http *h, const char *path, int status,
		    const char *content_type, const char *body);

/* How many requests path got. */
int kgt_http_hits(kgt_http *h, const char *path);

/* The last request to path: its body and Authorization header ("" when
 * none), copied into pool. */
const char *kgt_http_last_body(kgt_http *h, apr_pool_t *pool, const char *path);
const char *kgt_http_last_auth(kgt_http *h, apr_pool_t *pool, const char *path);

/* A port on 127.0.0.1 where nothing listens (for "unreachable"). */
int kgt_http_dead_port(void);

#endif
