/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AWS STS AssumeRoleWithSAML and AssumeRole (see sts.h).
 */
#include "gateway/base/time.h"
#include "gateway/proto/aws/sts.h"
#include "gateway/base/str.h"
#include "gateway/proto/aws/http.h"
#include "gateway/base/metrics.h"

#include <apr_date.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <apr_uri.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#define STS_VERSION "2011-06-15"
#define STS_FORM_TYPE "application/x-www-form-urlencoded; charset=utf-8"

/* botocore's throttling and transient error codes (sts.md §1.5). */
static const char *const throttle_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
	"RequestTimeout",
	"RequestTimeoutException",
};

/* Codes that say the assertion, signature or token was refused. */
static const char *const auth_codes[] = {
	"InvalidIdentityToken", "ExpiredTokenException",
	"IDPRejectedClaim",	"SignatureDoesNotMatch",
	"ExpiredToken",		"InvalidClientTokenId",
	"IncompleteSignature",	"MissingAuthenticationToken",
};

static const char *const denied_codes[] = {
	"AccessDenied",
	"AccessDeniedException",
	"RegionDisabledException",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
	for (size_t i = 0; code && i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

#define IN_LIST(code, list) in_list(code, list, sizeof(list) / sizeof(*list))

bool kg_sts_is_throttle(const char *code)
{
	return IN_LIST(code, throttle_codes);
}

/* Reads exactly n digits at *p into *v and advances *p. */

/* ---- XML answers -------------------------------------------------- */

static bool is_named(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

/* The first element named name at or below n (depth first). */
static xmlNode *find(xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		xmlNode *hit;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_named(n, name))
			return n;
		if ((hit = find(n->children, name)) != NULL)
			return hit;
	}
	return NULL;
}

/* The first child element of parent named name. */
static xmlNode *child(xmlNode *parent, const char *name)
{
	for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
		if (is_named(n, name))
			return n;
	return NULL;
}

/* The trimmed text of n copied into pool (libxml's copy is wiped: it
 * may be a secret), or NULL when n is NULL or its text is empty. */
static const char *text(apr_pool_t *pool, xmlNode *n)
{
	xmlChar *c;
	const char *out;

	if (n == NULL || (c = xmlNodeGetContent(n)) == NULL)
		return NULL;
	out = kg_str_trim(pool, (const char *)c);
	OPENSSL_cleanse(c, strlen((const char *)c));
	xmlFree(c);
	return *out ? out : NULL;
}

/* The kg_rc an AWS error code and status stand for. */
static kg_rc error_rc(const char *code, int status)
{
	if (status >= 500 || status == 429 || kg_sts_is_throttle(code))
		return KG_EBACKEND;
	if (IN_LIST(code, auth_codes))
		return KG_EAUTH;
	if (IN_LIST(code, denied_codes))
		return KG_EDENIED;
	return KG_EINVAL;
}

kg_rc kg_sts_parse(apr_pool_t *pool, const char *action, int status,
		   const char *body, size_t len, kg_sts_creds *creds,
		   kg_sts_outcome *oc, kg_err *err)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *c, *u, *e;
	const char *expiration;
	kg_rc rc;

	oc->http_status = status;
	if (len > 0 && len < (size_t)1 << 30)
		doc = xmlReadMemory(body, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR |
					    XML_PARSE_NOWARNING);
	if (doc && (doc->intSubset || doc->extSubset)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (root && is_named(root, "ErrorResponse")) {
		e = find(root->children, "Error");
		oc->code = text(pool, child(e, "Code"));
		oc->message = text(pool, child(e, "Message"));
		oc->request_id = text(pool, find(root->children, "RequestId"));
		xmlFreeDoc(doc);
		if (oc->code == NULL)
			oc->code = "bad_answer";
		rc = error_rc(oc->code, status);
		return kg_err_set(err, rc, "sts_error: %s answered %d %s: %s",
				  action, status, oc->code,
				  oc->message ? oc->message : "");
	}
	if (root == NULL || status != 200 ||
	    strcmp((const char *)root->name,
		   kg_psprintf(pool, "%sResponse", action)) != 0) {
		if (doc)
			xmlFreeDoc(doc);
		oc->code = "bad_answer";
		oc->message = kg_psprintf(pool,
					  "HTTP %d without a %sResponse "
					  "or an ErrorResponse",
					  status, action);
		return kg_err_set(err,
				  status >= 400 && status < 500 ? KG_EINVAL
								: KG_EBACKEND,
				  "sts_error: %s: %s", action, oc->message);
	}
	c = find(root->children, "Credentials");
	u = find(root->children, "AssumedRoleUser");
	memset(creds, 0, sizeof(*creds));
	creds->keys.access_key = text(pool, child(c, "AccessKeyId"));
	creds->keys.secret_key = text(pool, child(c, "SecretAccessKey"));
	creds->keys.session_token = text(pool, child(c, "SessionToken"));
	expiration = text(pool, child(c, "Expiration"));
	creds->assumed_role_arn = text(pool, child(u, "Arn"));
	creds->assumed_role_id = text(pool, child(u, "AssumedRoleId"));
	oc->request_id = text(pool, find(root->children, "RequestId"));
	xmlFreeDoc(doc);
	if (!creds->keys.access_key || !creds->keys.secret_key ||
	    !creds->keys.session_token ||
	    !kg_time_parse(expiration, false, &creds->expiration_s)) {
		memset(creds, 0, sizeof(*creds));
		oc->code = "bad_answer";
		oc->message = "the credentials are incomplete or their "
			      "Expiration is unreadable";
		return kg_err_set(err, KG_EBACKEND, "sts_error: %s: %s", action,
				  oc->message);
	}
	return KG_OK;
}

/* ---- calls -------------------------------------------------------- */

typedef struct {
	const char *url;
	const char *host; /* Host header: host[:port] */
	const char *path;
	const char *query;
} sts_endpoint;

static bool is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 ||
	       strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0;
}

/* Resolves the endpoint URL (override or regional) and its Host. */
static kg_rc resolve(apr_pool_t *pool, const kg_sts_opts *o, sts_endpoint *ep,
		     kg_err *err)
{
	apr_uri_t u;

	if (o->region == NULL || *o->region == '\0' ||
	    strspn(o->region, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
		    strlen(o->region))
		return kg_err_set(err, KG_ECONFIG, "sts: bad region");
	ep->url =
		o->endpoint
			? o->endpoint
			: kg_psprintf(pool, "https://sts.%s.amazonaws.com%s/",
				      o->region,
				      strncmp(o->region, "cn-", 3) == 0 ? ".cn"
									: "");
	if (apr_uri_parse(pool, ep->url, &u) != APR_SUCCESS || !u.scheme ||
	    !u.hostname || *u.hostname == '\0')
		return kg_err_set(err, KG_ECONFIG, "sts: bad endpoint %s",
				  ep->url);
	if (strcmp(u.scheme, "https") != 0 &&
	    !(strcmp(u.scheme, "http") == 0 && is_loopback(u.hostname)))
		return kg_err_set(err, KG_ECONFIG,
				  "sts: endpoint %s: https only (http to a "
				  "loopback host for tests)",
				  ep->url);
	ep->host = strchr(u.hostname, ':')
			   ? kg_psprintf(pool, "[%s]", u.hostname)
			   : u.hostname;
	if (u.port_str && u.port != apr_uri_port_of_scheme(u.scheme))
		ep->host = kg_psprintf(pool, "%s:%s", ep->host, u.port_str);
	ep->path = u.path && *u.path ? u.path : "/";
	ep->query = u.query;
	return KG_OK;
}

/* Starts an STS call: clears *oc and resolves the endpoint; a bad
 * endpoint is also recorded in *oc as "bad_config". */
static kg_rc begin_call(apr_pool_t *pool, const kg_sts_opts *o,
			sts_endpoint *ep, kg_sts_outcome *oc, kg_err *err)
{
	kg_rc rc;

	memset(oc, 0, sizeof(*oc));
	rc = resolve(pool, o, ep, err);
	if (rc != KG_OK) {
		oc->code = "bad_config";
		oc->message = "bad STS options";
	}
	return rc;
}

/* A full-jitter delay before attempt + 1: uniform in [0, min(base *
 * 2^(attempt-1), max)] milliseconds. */
static long long backoff_ms(const kg_sts_opts *o, int attempt)
{
	long long base = o->backoff_base_ms > 0 ? o->backoff_base_ms : 500;
	long long max = o->backoff_max_ms > 0 ? o->backoff_max_ms : 5000;
	long long cap = base;
	unsigned int r = 0;

	for (int i = 1; i < attempt && cap < max; i++)
		cap *= 2;
	if (cap > max)
		cap = max;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)rand();
	return (long long)((double)r / 4294967295.0 * (double)cap);
}

static void form_add(kg_buf *b, const char *name, const char *value)
{
	kg_buf_addf(b, "%s%s=", b->len ? "&" : "", name);
	kg_buf_adds(b, kg_sigv4_uri_encode(b->pool, value, strlen(value), 0));
}

/* One logical call: attempts with retries; signs each attempt when
 * signer is not NULL (at now_s, corrected once by the answer's Date on
 * a skew refusal). */
static kg_rc call(apr_pool_t *pool, const kg_sts_opts *o,
		  const sts_endpoint *ep, const char *action, const char *role,
		  const kg_buf *body, const kg_aws_creds *signer,
		  long long now_s, kg_sts_creds *creds, kg_sts_outcome *oc,
		  kg_err *err)
{
	int max = o->max_attempts > 0 ? o->max_attempts : 3;
	kg_aws_http_opts ho = {o->timeout_s, 0, o->ca_file};
	long long skew = 0, t0;
	bool skew_fixed = false;
	kg_rc rc = KG_EBACKEND;
	kg_err last = {0};

	for (int attempt = 1; attempt <= max; attempt++) {
		kg_sigv4_header h[5] = {{"Host", ep->host},
					{"Content-Type", STS_FORM_TYPE}};
		size_t nh = 2;
		kg_aws_http_reply reply = {0};
		long long delay;

		kg_err_clear(&last);
		if (signer) {
			kg_sigv4_req r = {
				"POST",
				ep->path,
				ep->query,
				h,
				2,
				body->data,
				body->len,
				o->region,
				"sts",
				(now_s > 0 ? now_s : (long long)time(NULL)) + skew};
			kg_sigv4_out s;

			if ((rc = kg_sigv4_sign(pool, &r, signer, &s, &last)) !=
			    KG_OK)
				break;
			h[nh++] = (kg_sigv4_header){"X-Amz-Date", s.amz_date};
			if (s.add_security_token)
				h[nh++] = (kg_sigv4_header){
					"X-Amz-Security-Token",
					s.add_security_token};
			h[nh++] = (kg_sigv4_header){"Authorization",
						    s.authorization};
		}
		oc->attempts++;
		t0 = kg_metrics_clock_us();
		rc = kg_aws_http_post(pool, &ho, ep->url, h, nh, body->data,
				      body->len, &reply, &last);
		kg_metrics_since(KG_H_STS, 0, t0);
		if (rc == KG_OK) {
			oc->code = oc->message = oc->request_id = NULL;
			rc = kg_sts_parse(pool, action, reply.status,
					  reply.body, reply.len, creds, oc,
					  &last);
			if (reply.request_id && oc->request_id == NULL)
				oc->request_id = reply.request_id;
		} else {
			oc->http_status = 0;
			oc->code = "unreachable";
			oc->message = apr_pstrdup(pool, last.msg);
		}
		if (rc == KG_OK)
			return KG_OK;
		/* a clock off by more than STS's window: retry once at the
		 * server's time */
		if (signer && !skew_fixed && oc->code && reply.date &&
		    strcmp(oc->code, "SignatureDoesNotMatch") == 0 &&
		    oc->message &&
		    (strstr(oc->message, "Signature expired") ||
		     strstr(oc->message, "not yet current"))) {
			apr_time_t server = apr_date_parse_http(reply.date);

			if (server > 0) {
				skew = (long long)apr_time_sec(server) -
				       (now_s > 0 ? now_s
						  : (long long)time(NULL));
				skew_fixed = true;
				kg_log_emit(o->log, KG_LOG_WARN, "KG-0601",
					    "sts_retry action=%s role=%s "
					    "reason=clock_skew skew_s=%lld",
					    action, role, skew);
				max++;
				continue;
			}
		}
		if (rc != KG_EBACKEND || attempt == max)
			break;
		delay = backoff_ms(o, attempt);
		kg_log_emit(o->log, KG_LOG_WARN, "KG-0601",
			    "sts_retry action=%s role=%s attempt=%d status=%d "
			    "code=%s delay_ms=%lld",
			    action, role, attempt, oc->http_status,
			    oc->code ? oc->code : "-", delay);
		apr_sleep((apr_interval_time_t)delay * 1000);
	}
	return kg_err_set(err, rc, "%s", last.msg);
}

static void log_result(const kg_sts_opts *o, const char *action,
		       const char *role, kg_rc rc, const kg_sts_creds *creds,
		       const kg_sts_outcome *oc)
{
	char fp[9];

	kg_metrics_add(rc == KG_OK ? KG_M_STS_ISSUED : KG_M_STS_FAILED);
	if (rc == KG_OK) {
		kg_log_redact(creds->keys.access_key,
			      strlen(creds->keys.access_key), fp);
		kg_log_emit(o->log, KG_LOG_NOTICE, "KG-0604",
			    "sts_issued action=%s role=%s expiration=%lld "
			    "key_fp=%s duration_s=%lld attempts=%d",
			    action, role, creds->expiration_s, fp,
			    oc->duration_s, oc->attempts);
	} else {
		kg_log_emit(o->log, KG_LOG_WARN, "KG-0605",
			    "sts_failed action=%s role=%s rc=%s status=%d "
			    "code=%s attempts=%d message=%s",
			    action, role, kg_rc_name(rc), oc->http_status,
			    oc->code ? oc->code : "-", oc->attempts,
			    oc->message ? oc->message : "-");
	}
}

static kg_rc bad_input(apr_pool_t *pool, const kg_sts_opts *o,
		       const char *action, const char *role, kg_sts_outcome *oc,
		       const char *code, kg_err *err, const char *msg)
{
	oc->code = code;
	oc->message = apr_pstrdup(pool, msg);
	log_result(o, action, role, KG_EINVAL, NULL, oc);
	return kg_err_set(err, KG_EINVAL, "sts: %s: %s", action, msg);
}

static bool arn_ok(const char *arn)
{
	size_t n = arn ? strlen(arn) : 0;

	return n >= 20 && n <= 2048 && strncmp(arn, "arn:", 4) == 0;
}

kg_rc kg_sts_assume_role_with_saml(apr_pool_t *pool, const kg_sts_opts *o,
				   const char *role_arn,
				   const char *principal_arn,
				   const char *saml_b64, long long duration_s,
				   kg_sts_creds *creds, kg_sts_outcome *oc,
				   kg_err *err)
{
	static const char action[] = "AssumeRoleWithSAML";
	const char *role = role_arn ? role_arn : "-";
	sts_endpoint ep;
	kg_buf saml, body;
	kg_rc rc;

	if ((rc = begin_call(pool, o, &ep, oc, err)) != KG_OK)
		return rc;
	if (!arn_ok(role_arn) || !arn_ok(principal_arn))
		return bad_input(pool, o, action, role, oc, "bad_input", err,
				 "RoleArn and PrincipalArn must be ARNs of "
				 "20 to 2048 characters");
	kg_buf_init(&saml, pool, saml_b64 ? strlen(saml_b64) + 1 : 1);
	for (const char *p = saml_b64 ? saml_b64 : ""; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			kg_buf_addc(&saml, *p);
	if (saml.len > KG_STS_SAML_MAX_CHARS) {
		char *msg = kg_psprintf(pool,
					"the SAML assertion is %zu base64 "
					"characters; STS accepts at most %d, "
					"so role %s is skipped",
					saml.len, KG_STS_SAML_MAX_CHARS, role);

		kg_log_emit(o->log, KG_LOG_WARN, "KG-0603",
			    "sts_assertion_too_large role=%s chars=%zu "
			    "max=%d",
			    role, saml.len, KG_STS_SAML_MAX_CHARS);
		oc->code = "assertion_too_large";
		oc->message = msg;
		return kg_err_set(err, KG_EINVAL, "sts: %s", msg);
	}
	if (saml.len < 4 ||
	    strspn(saml.data, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
			      "qrstuvwxyz0123456789+/=") != saml.len)
		return bad_input(pool, o, action, role, oc, "bad_input", err,
				 "the SAML assertion is not base64");
	if (duration_s <= 0)
		duration_s = 3600;
	if (duration_s < KG_STS_MIN_DURATION)
		duration_s = KG_STS_MIN_DURATION;
	if (duration_s > KG_STS_MAX_DURATION)
		duration_s = KG_STS_MAX_DURATION;
	for (;;) {
		kg_err one = {0};

		kg_buf_init(&body, pool, saml.len * 3 / 2 + 512);
		form_add(&body, "Action", action);
		form_add(&body, "Version", STS_VERSION);
		form_add(&body, "RoleArn", role_arn);
		form_add(&body, "PrincipalArn", principal_arn);
		form_add(&body, "SAMLAssertion", saml.data);
		kg_buf_addf(&body, "&DurationSeconds=%lld", duration_s);
		oc->duration_s = duration_s;
		rc = call(pool, o, &ep, action, role, &body, NULL, 0, creds, oc,
			  &one);
		if (rc != KG_OK && !oc->duration_fallback && oc->code &&
		    strcmp(oc->code, "ValidationError") == 0 && oc->message &&
		    strstr(oc->message, "MaxSessionDuration") &&
		    duration_s > KG_STS_CHAIN_MAX_DURATION) {
			kg_log_emit(o->log, KG_LOG_NOTICE, "KG-0602",
				    "sts_duration_fallback role=%s "
				    "asked_s=%lld retry_s=3600",
				    role, duration_s);
			duration_s = 3600;
			oc->duration_fallback = true;
			continue;
		}
		if (rc != KG_OK)
			kg_err_set(err, rc, "%s", one.msg);
		break;
	}
	OPENSSL_cleanse(body.data, body.len);
	log_result(o, action, role, rc, creds, oc);
	return rc;
}

/* True when name is 2-64 of [A-Za-z0-9_+=,.@-]. */
static bool session_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= 2 && n <= 64 &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
			    "vwxyz0123456789_+=,.@-") == n;
}

kg_rc kg_sts_assume_role(apr_pool_t *pool, const kg_sts_opts *o,
			 const kg_aws_creds *current, const char *role_arn,
			 const char *session_name, long long duration_s,
			 long long now_s, kg_sts_creds *creds,
			 kg_sts_outcome *oc, kg_err *err)
{
	static const char action[] = "AssumeRole";
	const char *role = role_arn ? role_arn : "-";
	sts_endpoint ep;
	kg_buf body;
	kg_rc rc;

	if ((rc = begin_call(pool, o, &ep, oc, err)) != KG_OK)
		return rc;
	if (!arn_ok(role_arn))
		return bad_input(pool, o, action, role, oc, "bad_input", err,
				 "RoleArn must be an ARN of 20 to 2048 "
				 "characters");
	if (!session_name_ok(session_name))
		return bad_input(pool, o, action, role, oc, "bad_input", err,
				 "RoleSessionName must be 2 to 64 of "
				 "[A-Za-z0-9_+=,.@-]");
	if (current == NULL || !current->access_key || !current->secret_key)
		return bad_input(pool, o, action, role, oc, "bad_input", err,
				 "no current credentials to sign with");
	if (duration_s <= 0 || duration_s > KG_STS_CHAIN_MAX_DURATION)
		duration_s = KG_STS_CHAIN_MAX_DURATION;
	if (duration_s < KG_STS_MIN_DURATION)
		duration_s = KG_STS_MIN_DURATION;
	kg_buf_init(&body, pool, 512);
	form_add(&body, "Action", action);
	form_add(&body, "Version", STS_VERSION);
	form_add(&body, "RoleArn", role_arn);
	form_add(&body, "RoleSessionName", session_name);
	kg_buf_addf(&body, "&DurationSeconds=%lld", duration_s);
	oc->duration_s = duration_s;
	rc = call(pool, o, &ep, action, role, &body, current, now_s, creds, oc,
		  err);
	log_result(o, action, role, rc, creds, oc);
	return rc;
}
