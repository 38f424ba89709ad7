/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AWS Signature Version 4 (header form), with OpenSSL.
 *
 * The signer works on a neutral request: the method, the path and query
 * exactly as they go on the wire, the headers to send (Host among them),
 * and the body. It returns every intermediate string (canonical request,
 * string to sign) so tests can hold it to AWS's published suite, and the
 * headers the caller must add: X-Amz-Date (when the request has none),
 * X-Amz-Security-Token (temporary credentials) and Authorization.
 *
 * It follows botocore's SigV4Auth for services other than S3: the path
 * has its dot segments and empty segments removed and is URI-encoded once
 * more (AWS's "encode twice"); query names and values are decoded and
 * re-encoded with RFC 3986's unreserved set and sorted by name, then
 * value; every header is signed except Authorization and the ones
 * botocore leaves out (Expect, User-Agent, X-Amzn-Trace-Id and the
 * hop-by-hop headers: Connection, Keep-Alive, Proxy-Authenticate,
 * Proxy-Authorization, TE, Trailer, Transfer-Encoding, Upgrade); header
 * values are trimmed and inner whitespace runs become one space;
 * repeated headers are joined with ",".
 *
 * Nothing here logs. The secret key and the derived keys are wiped from
 * the stack after use; the session token is copied into the output
 * (callers must not log it).
 */
#ifndef KG_PROTO_AWS_SIGV4_H
#define KG_PROTO_AWS_SIGV4_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stddef.h>

/* AWS credentials: long-term (session_token NULL) or temporary. */
typedef struct {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL or "" for long-term keys */
} kg_aws_creds;

/* One request header, as sent. */
typedef struct {
	const char *name;
	const char *value;
} kg_sigv4_header;

typedef struct {
	const char *method; /* "POST" */
	const char *path;   /* as sent, already percent-encoded; "" is "/" */
	const char *query;  /* as sent, without '?'; NULL or "" for none */
	const kg_sigv4_header *headers; /* must include Host */
	size_t n_headers;
	const void *body; /* may be NULL when body_len is 0 */
	size_t body_len;
	const char *region;  /* "us-west-2" */
	const char *service; /* "sts" */
	long long time_s;    /* signing time (epoch seconds, UTC); used
				only when no X-Amz-Date header is given */
} kg_sigv4_req;

/* The result; every string lives in the caller's pool. */
typedef struct {
	const char *amz_date;		/* the X-Amz-Date value signed */
	const char *add_amz_date;	/* X-Amz-Date to add, or NULL when
					   the request carried one */
	const char *add_security_token; /* X-Amz-Security-Token to add, or
					   NULL (none, or already a header) */
	const char *canonical_request;
	const char *string_to_sign;
	const char *signed_headers; /* "content-type;host;x-amz-date" */
	const char *signature;	    /* 64 lower-case hex digits */
	const char *authorization;  /* the Authorization header value */
} kg_sigv4_out;

/* Signs req with creds. KG_EINVAL when the request has no Host header,
 * an X-Amz-Date that is not YYYYMMDDTHHMMSSZ, an empty method, region or
 * service, or credentials without a key id or secret; KG_EINTERNAL when
 * OpenSSL fails. out is filled only on KG_OK. */
kg_rc kg_sigv4_sign(apr_pool_t *pool, const kg_sigv4_req *req,
		    const kg_aws_creds *creds, kg_sigv4_out *out, kg_err *err);

/* URI-encodes s[0..len) per SigV4: every byte outside A-Z a-z 0-9 - . _ ~
 * becomes %XX (upper-case hex); '/' is kept when keep_slash. */
char *kg_sigv4_uri_encode(apr_pool_t *pool, const char *s, size_t len,
			  int keep_slash);

/* Formats t (epoch seconds) as YYYYMMDDTHHMMSSZ in UTC into out[17]. */
void kg_sigv4_amz_date(long long t, char out[17]);

#endif
