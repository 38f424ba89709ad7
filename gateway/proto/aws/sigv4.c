/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AWS Signature Version 4 (see sigv4.h for the rules followed).
 */
#include "gateway/proto/aws/sigv4.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* Headers never signed: botocore's list (old and new) and Authorization. */
static const char *const unsigned_headers[] = {
	"authorization",
	"connection",
	"expect",
	"keep-alive",
	"proxy-authenticate",
	"proxy-authorization",
	"te",
	"trailer",
	"transfer-encoding",
	"upgrade",
	"user-agent",
	"x-amzn-trace-id",
};

char *kg_sigv4_uri_encode(apr_pool_t *pool, const char *s, size_t len,
			  int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = apr_palloc(pool, len * 3 + 1), *p = out;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || (c == '/' && keep_slash)) {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

void kg_sigv4_amz_date(long long t, char out[17])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* Decodes %XX escapes of s[0..len) (a malformed escape stays as it is;
 * '+' stays '+'); the result lives in pool, *out_len is its length. */
static char *pct_decode(apr_pool_t *pool, const char *s, size_t len,
			size_t *out_len)
{
	char *out = apr_palloc(pool, len + 1), *p = out;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len &&
		    (hi = kg_hex_value(s[i + 1])) >= 0 &&
		    (lo = kg_hex_value(s[i + 2])) >= 0) {
			*p++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	*out_len = (size_t)(p - out);
	return out;
}

/* The canonical URI: dot and empty segments removed (RFC 3986 §5.2.4
 * plus AWS's "no double slashes"), then every segment encoded once more;
 * "/" for an empty path. */
static const char *canonical_uri(apr_pool_t *pool, const char *path)
{
	apr_array_header_t *segs = apr_array_make(pool, 8, sizeof(char *));
	size_t len = path ? strlen(path) : 0;
	const char *p = path, *end = path + len;
	kg_buf b;

	if (len == 0)
		return "/";
	while (p <= end) {
		const char *q = memchr(p, '/', (size_t)(end - p));
		size_t n;

		if (q == NULL)
			q = end;
		n = (size_t)(q - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (segs->nelts > 0)
				segs->nelts--;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			APR_ARRAY_PUSH(segs, char *) =
				apr_pstrmemdup(pool, p, n);
		}
		p = q + 1;
	}
	kg_buf_init(&b, pool, len + 16);
	if (path[0] == '/')
		kg_buf_addc(&b, '/');
	for (int i = 0; i < segs->nelts; i++) {
		const char *seg = APR_ARRAY_IDX(segs, i, char *);

		if (i > 0)
			kg_buf_addc(&b, '/');
		kg_buf_adds(&b, kg_sigv4_uri_encode(pool, seg, strlen(seg), 0));
	}
	if (path[len - 1] == '/' && segs->nelts > 0)
		kg_buf_addc(&b, '/');
	return b.data;
}

typedef struct {
	const char *key;
	const char *value;
} query_pair;

static int query_pair_cmp(const void *a, const void *b)
{
	const query_pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

/* The canonical query string: each name and value decoded and encoded
 * again, "name=value" even when the value is empty, sorted by name then
 * value, joined by "&". */
static const char *canonical_query(apr_pool_t *pool, const char *query)
{
	apr_array_header_t *pairs;
	const char *p, *end;
	query_pair *v;
	kg_buf b;

	if (query == NULL || *query == '\0')
		return "";
	pairs = apr_array_make(pool, 8, sizeof(query_pair));
	p = query;
	end = query + strlen(query);
	while (p <= end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *eq;
		query_pair *pair = apr_array_push(pairs);
		size_t klen, vlen;
		char *k, *val;

		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		k = pct_decode(pool, p, (size_t)((eq ? eq : amp) - p), &klen);
		if (eq)
			val = pct_decode(pool, eq + 1, (size_t)(amp - eq - 1),
					 &vlen);
		else {
			val = "";
			vlen = 0;
		}
		pair->key = kg_sigv4_uri_encode(pool, k, klen, 0);
		pair->value = kg_sigv4_uri_encode(pool, val, vlen, 0);
		p = amp + 1;
	}
	v = (query_pair *)pairs->elts;
	qsort(v, (size_t)pairs->nelts, sizeof(*v), query_pair_cmp);
	kg_buf_init(&b, pool, strlen(query) * 2 + 1);
	for (int i = 0; i < pairs->nelts; i++)
		kg_buf_addf(&b, "%s%s=%s", i ? "&" : "", v[i].key, v[i].value);
	return b.data;
}

typedef struct {
	const char *name;  /* lower-case */
	const char *value; /* trimmed, whitespace runs collapsed */
	size_t order;	   /* position in the request: keeps value order */
} canon_header;

static int canon_header_cmp(const void *a, const void *b)
{
	const canon_header *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f' || (c >= 0x1c && c <= 0x1f);
}

/* Trims value and turns every inner whitespace run into one space, as
 * botocore's ' '.join(value.split()) does. */
static const char *trim_all(apr_pool_t *pool, const char *value)
{
	char *out = apr_palloc(pool, strlen(value) + 1), *p = out;
	bool gap = false;

	for (const char *s = value; *s; s++) {
		if (is_space((unsigned char)*s)) {
			gap = p > out;
			continue;
		}
		if (gap)
			*p++ = ' ';
		gap = false;
		*p++ = *s;
	}
	*p = '\0';
	return out;
}

static char *ascii_lower(apr_pool_t *pool, const char *s)
{
	char *out = apr_pstrdup(pool, s);

	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

static bool is_unsigned_header(const char *lname)
{
	for (size_t i = 0;
	     i < sizeof(unsigned_headers) / sizeof(*unsigned_headers); i++)
		if (strcmp(lname, unsigned_headers[i]) == 0)
			return true;
	return false;
}

static bool valid_amz_date(const char *d)
{
	if (strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return false;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (d[i] < '0' || d[i] > '9'))
			return false;
	return true;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	kg_hex(md, 32, out);
}

/* out = HMAC-SHA256(key, msg); false when OpenSSL fails. */
static bool hmac(const unsigned char *key, size_t klen, const char *msg,
		 unsigned char out[32])
{
	unsigned int n = 0;

	return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
		    strlen(msg), out, &n) != NULL &&
	       n == 32;
}

/* The signature of sts under the key derived from secret, date stamp,
 * region and service, as lower-case hex into out[65]. Every key is
 * wiped before returning. */
static bool sign(const char *secret, const char *datestamp, const char *region,
		 const char *service, const char *sts, char out[65])
{
	size_t slen = strlen(secret);
	unsigned char *k0 = OPENSSL_malloc(slen + 5);
	unsigned char k[32], sig[32];
	bool ok;

	if (k0 == NULL)
		return false;
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, slen);
	ok = hmac(k0, slen + 4, datestamp, k) && hmac(k, 32, region, k) &&
	     hmac(k, 32, service, k) && hmac(k, 32, "aws4_request", k) &&
	     hmac(k, 32, sts, sig);
	OPENSSL_clear_free(k0, slen + 5);
	OPENSSL_cleanse(k, sizeof(k));
	if (ok)
		kg_hex(sig, 32, out);
	return ok;
}

kg_rc kg_sigv4_sign(apr_pool_t *pool, const kg_sigv4_req *req,
		    const kg_aws_creds *creds, kg_sigv4_out *out, kg_err *err)
{
	size_t n = req->n_headers;
	canon_header *h = apr_pcalloc(pool, (n + 2) * sizeof(*h));
	const char *amz_date = NULL, *token_header = NULL, *token, *scope;
	bool have_host = false;
	char date[17], payload[65], creq_hash[65], signature[65];
	kg_buf ch, sh, b;
	size_t m = 0;

	if (req->method == NULL || *req->method == '\0' ||
	    req->region == NULL || *req->region == '\0' ||
	    req->service == NULL || *req->service == '\0')
		return kg_err_set(err, KG_EINVAL,
				  "sigv4: method, region and "
				  "service are required");
	if (creds == NULL || creds->access_key == NULL ||
	    *creds->access_key == '\0' || creds->secret_key == NULL ||
	    *creds->secret_key == '\0')
		return kg_err_set(err, KG_EINVAL, "sigv4: no credentials");
	token = creds->session_token && *creds->session_token
			? creds->session_token
			: NULL;
	for (size_t i = 0; i < n; i++) {
		const char *lname = ascii_lower(pool, req->headers[i].name);
		const char *value =
			req->headers[i].value ? req->headers[i].value : "";

		if (is_unsigned_header(lname))
			continue;
		if (strcmp(lname, "host") == 0)
			have_host = true;
		else if (strcmp(lname, "x-amz-date") == 0)
			amz_date = trim_all(pool, value);
		else if (strcmp(lname, "x-amz-security-token") == 0)
			token_header = trim_all(pool, value);
		h[m].name = lname;
		h[m].value = trim_all(pool, value);
		h[m].order = i;
		m++;
	}
	if (!have_host)
		return kg_err_set(err, KG_EINVAL, "sigv4: no Host header");
	if (token && token_header && strcmp(token_header, token) != 0)
		return kg_err_set(err, KG_EINVAL,
				  "sigv4: the request's X-Amz-Security-Token "
				  "is not the credentials' session token");
	memset(out, 0, sizeof(*out));
	if (amz_date == NULL) {
		kg_sigv4_amz_date(req->time_s, date);
		amz_date = apr_pstrdup(pool, date);
		out->add_amz_date = amz_date;
		h[m].name = "x-amz-date";
		h[m].value = amz_date;
		h[m].order = n;
		m++;
	} else if (!valid_amz_date(amz_date)) {
		return kg_err_set(err, KG_EINVAL,
				  "sigv4: X-Amz-Date is not "
				  "YYYYMMDDTHHMMSSZ");
	}
	if (token && token_header == NULL) {
		out->add_security_token = apr_pstrdup(pool, token);
		h[m].name = "x-amz-security-token";
		h[m].value = out->add_security_token;
		h[m].order = n + 1;
		m++;
	}
	qsort(h, m, sizeof(*h), canon_header_cmp);
	kg_buf_init(&ch, pool, 512);
	kg_buf_init(&sh, pool, 128);
	for (size_t i = 0; i < m; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
			kg_buf_addf(&ch, ",%s", h[i].value);
			continue;
		}
		if (i > 0) {
			kg_buf_addc(&ch, '\n');
			kg_buf_addc(&sh, ';');
		}
		kg_buf_addf(&ch, "%s:%s", h[i].name, h[i].value);
		kg_buf_adds(&sh, h[i].name);
	}
	sha256_hex(req->body_len ? req->body : "", req->body_len, payload);

	kg_buf_init(&b, pool, ch.len + sh.len + 256);
	kg_buf_addf(&b, "%s\n%s\n%s\n%s\n\n%s\n%s", req->method,
		    canonical_uri(pool, req->path),
		    canonical_query(pool, req->query), ch.data, sh.data,
		    payload);
	out->canonical_request = b.data;
	sha256_hex(b.data, b.len, creq_hash);

	scope = kg_psprintf(pool, "%.8s/%s/%s/aws4_request", amz_date,
			    req->region, req->service);
	out->string_to_sign = kg_psprintf(pool, SIGV4_ALGORITHM "\n%s\n%s\n%s",
					  amz_date, scope, creq_hash);
	if (!sign(creds->secret_key, apr_pstrndup(pool, amz_date, 8),
		  req->region, req->service, out->string_to_sign, signature))
		return kg_err_set(err, KG_EINTERNAL, "sigv4: HMAC failed");
	out->amz_date = amz_date;
	out->signed_headers = sh.data;
	out->signature = apr_pstrdup(pool, signature);
	out->authorization = kg_psprintf(
		pool,
		SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, "
				"Signature=%s",
		creds->access_key, scope, sh.data, signature);
	return KG_OK;
}
