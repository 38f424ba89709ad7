/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the HTTP calls of AWS credentials, over libcurl (the only file
 * that includes it): the POST that STS calls need, and the GET with which
 * `keygate aws credential-process` asks a gateway. HTTPS verifies the
 * peer and its name; time
 * limits bound the connect and the whole call; no redirect is followed;
 * "Expect: 100-continue" is never sent; only http and https are spoken.
 * No libcurl type appears here.
 *
 * A call that gets no HTTP answer (refused, reset, timed out, TLS
 * failure) is KG_EBACKEND; any answer, whatever its status, is KG_OK
 * with the status and body in the reply for the caller to judge. Neither
 * the request nor the reply is ever logged: both carry secrets.
 */
#ifndef KG_PROTO_AWS_HTTP_H
#define KG_PROTO_AWS_HTTP_H

#include "gateway/base/err.h"
#include "gateway/proto/aws/sigv4.h"

#include <apr_pools.h>
#include <stddef.h>

typedef struct {
	long long timeout_s;	     /* the whole call; <= 0: 10 s */
	long long connect_timeout_s; /* <= 0: the smaller of 5 s and
					timeout_s */
	const char *ca_file;	     /* NULL: the system's CA store */
} kg_aws_http_opts;

typedef struct {
	int status;	  /* the HTTP status */
	const char *body; /* NUL-terminated, in the caller's pool */
	size_t len;
	const char *date;	/* the Date header, or NULL */
	const char *request_id; /* x-amzn-RequestId, or NULL */
} kg_aws_http_reply;

/* Initialises libcurl for the process; call once before any thread
 * starts (the gateway's post-config, the CLI's main). Calling it again
 * is harmless. */
void kg_aws_http_global_init(void);

/* POSTs body[0..len) to url with exactly headers[0..n) (Host among them
 * when the caller signed one; libcurl adds Content-Length). Replies over
 * 1 MiB are cut off and read as KG_EBACKEND. The reply lives in pool. */
kg_rc kg_aws_http_post(apr_pool_t *pool, const kg_aws_http_opts *opts,
		       const char *url, const kg_sigv4_header *headers,
		       size_t n, const char *body, size_t len,
		       kg_aws_http_reply *out, kg_err *err);

/* GETs url with exactly headers[0..n), under the same rules (the CLI
 * fetching credentials from a gateway). */
kg_rc kg_aws_http_get(apr_pool_t *pool, const kg_aws_http_opts *opts,
		      const char *url, const kg_sigv4_header *headers, size_t n,
		      kg_aws_http_reply *out, kg_err *err);

#endif
