/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AWS STS calls (shared/research/sts.md): AssumeRoleWithSAML at
 * login (an unsigned form POST), and AssumeRole on the same role with the
 * current temporary credentials to refresh them (SigV4, session token
 * signed, at most one hour: the role-chaining cap).
 *
 * Both retry throttling, 429, 5xx and calls that got no answer, with
 * capped exponential backoff and full jitter; AssumeRoleWithSAML asked
 * for more than an hour retries once at 3600 s when STS answers that the
 * role's MaxSessionDuration is lower. Answers are parsed by element name
 * with libxml2 (no DTD, no entities, no network). Every outcome, good or
 * bad, is described in a kg_sts_outcome that holds nothing secret.
 *
 * Log lines (never a key, secret, token or assertion; an access key id
 * at most as a kg_log_redact fingerprint):
 *   KG-0601 warning  sts_retry: a call is retried after a delay
 *   KG-0602 notice   sts_duration_fallback: retried at 3600 s
 *   KG-0603 warning  sts_assertion_too_large: the role is skipped
 *   KG-0604 notice   sts_issued: credentials issued
 *   KG-0605 warning  sts_failed: the call failed for good
 */
#ifndef KG_PROTO_AWS_STS_H
#define KG_PROTO_AWS_STS_H

#include "gateway/base/err.h"
#include "gateway/base/log.h"
#include "gateway/proto/aws/sigv4.h"

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

#define KG_STS_SAML_MAX_CHARS 100000 /* base64 SAMLAssertion limit */
#define KG_STS_MIN_DURATION 900
#define KG_STS_MAX_DURATION 43200
#define KG_STS_CHAIN_MAX_DURATION 3600 /* role chaining cap */

typedef struct {
	const char *endpoint;	   /* URL; NULL: https://sts.<region>.
				      amazonaws.com/ (.com.cn in China).
				      http:// only to a loopback host */
	const char *region;	   /* the signing region (required) */
	const char *ca_file;	   /* NULL: the system's CA store */
	long long timeout_s;	   /* per attempt; <= 0: 10 s */
	int max_attempts;	   /* <= 0: 3 */
	long long backoff_base_ms; /* <= 0: 500 */
	long long backoff_max_ms;  /* <= 0: 5000 */
	const kg_log *log;	   /* may be NULL */
} kg_sts_opts;

/* Credentials STS issued; strings live in the caller's pool. */
typedef struct {
	kg_aws_creds keys;	      /* key id, secret, session token */
	long long expiration_s;	      /* epoch seconds (UTC) */
	const char *assumed_role_arn; /* AssumedRoleUser/Arn */
	const char *assumed_role_id;  /* AssumedRoleUser/AssumedRoleId */
} kg_sts_creds;

/* What happened, for logs and /keygate/session; nothing secret. */
typedef struct {
	int http_status;	/* of the last answer; 0: none */
	const char *code;	/* AWS's error code, or a local reason
				   ("assertion_too_large", "unreachable",
				   "bad_answer", "bad_input"); NULL on
				   success */
	const char *message;	/* AWS's message or ours; NULL on success */
	const char *request_id; /* of the last answer, or NULL */
	int attempts;		/* HTTP calls made */
	long long duration_s;	/* DurationSeconds of the last call */
	bool duration_fallback; /* retried at 3600 s (role max lower) */
} kg_sts_outcome;

/* Calls AssumeRoleWithSAML for role_arn/principal_arn with saml_b64 (the
 * base64 of the signed Response as received; whitespace is dropped).
 * duration_s <= 0 means 3600; others are clamped to 900..43200. On
 * KG_OK *creds is filled. KG_EINVAL: bad input (among them an assertion
 * over 100,000 base64 characters, skipped without a call) or a 4xx that
 * is not about identity or permission; KG_EAUTH: STS refused the
 * assertion (InvalidIdentityToken, ExpiredTokenException, IDPRejected
 * Claim); KG_EDENIED: AccessDenied, RegionDisabledException; KG_EBACKEND:
 * no good answer after every attempt; KG_ECONFIG: bad options. *oc is
 * always filled. */
kg_rc kg_sts_assume_role_with_saml(apr_pool_t *pool, const kg_sts_opts *o,
				   const char *role_arn,
				   const char *principal_arn,
				   const char *saml_b64, long long duration_s,
				   kg_sts_creds *creds, kg_sts_outcome *oc,
				   kg_err *err);

/* Calls AssumeRole for role_arn as session_name (2-64 of
 * [A-Za-z0-9_+=,.@-]), signed with current (its session token included),
 * at now_s (<= 0: the clock) corrected once by the answer's Date when STS
 * says the signature is expired or not yet current. duration_s <= 0 or
 * above 3600 means 3600; below 900 means 900. Results as for
 * kg_sts_assume_role_with_saml; a refused signature or token
 * (SignatureDoesNotMatch, ExpiredToken, InvalidClientTokenId) is
 * KG_EAUTH. */
kg_rc kg_sts_assume_role(apr_pool_t *pool, const kg_sts_opts *o,
			 const kg_aws_creds *current, const char *role_arn,
			 const char *session_name, long long duration_s,
			 long long now_s, kg_sts_creds *creds,
			 kg_sts_outcome *oc, kg_err *err);

/* Parses an STS answer: the <action>Response success shape into *creds,
 * or an ErrorResponse (Error at either depth) into oc->code and
 * oc->message. KG_OK only for a success holding all four credential
 * fields and a readable Expiration; KG_EAUTH/KG_EDENIED/KG_EINVAL/
 * KG_EBACKEND for an ErrorResponse as described above (status is the
 * HTTP status); KG_EBACKEND "bad_answer" for anything else. */
kg_rc kg_sts_parse(apr_pool_t *pool, const char *action, int status,
		   const char *body, size_t len, kg_sts_creds *creds,
		   kg_sts_outcome *oc, kg_err *err);

/* True when code is one botocore retries as throttling. */
bool kg_sts_is_throttle(const char *code);

#endif
