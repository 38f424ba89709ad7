/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: HTTP POSTs to STS over libcurl.
 */
#include "gateway/proto/aws/http.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

#define STS_HTTP_MAX_REPLY (1 << 20)

typedef struct {
	kg_buf body;
	bool too_big;
	apr_pool_t *pool;
	const char *date;
	const char *request_id;
} sts_http_sink;

void kg_aws_http_global_init(void)
{
	static int done;

	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		done = 1;
	}
}

/* Appends a chunk of the reply body, up to STS_HTTP_MAX_REPLY. */
static size_t sts_http_write(char *data, size_t size, size_t nmemb,
			     void *userdata)
{
	sts_http_sink *s = userdata;
	size_t n = size * nmemb;

	if (s->body.len + n > STS_HTTP_MAX_REPLY) {
		s->too_big = true;
		return 0; /* libcurl ends the transfer */
	}
	kg_buf_add(&s->body, data, n);
	return n;
}

/* The value of header line h[0..n) when its name is name, trimmed. */
static const char *header_value(apr_pool_t *pool, const char *h, size_t n,
				const char *name)
{
	size_t nl = strlen(name);
	const char *v, *e = h + n;

	if (n <= nl || h[nl] != ':' || strncasecmp(h, name, nl) != 0)
		return NULL;
	v = h + nl + 1;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
		e--;
	return apr_pstrmemdup(pool, v, (size_t)(e - v));
}

/* Keeps the Date and x-amzn-RequestId headers of the reply. */
static size_t sts_http_header(char *data, size_t size, size_t nmemb,
			      void *userdata)
{
	sts_http_sink *s = userdata;
	size_t n = size * nmemb;
	const char *v;

	if ((v = header_value(s->pool, data, n, "Date")) != NULL)
		s->date = v;
	else if ((v = header_value(s->pool, data, n, "x-amzn-RequestId")))
		s->request_id = v;
	return n;
}

/* One call: a POST of body[0..len), or a GET when body is NULL. */
static kg_rc sts_http_call(apr_pool_t *pool, const kg_aws_http_opts *opts,
			   const char *url, const kg_sigv4_header *headers,
			   size_t n, const char *body, size_t len,
			   kg_aws_http_reply *out, kg_err *err)
{
	long long timeout = opts->timeout_s > 0 ? opts->timeout_s : 10;
	long long connect = opts->connect_timeout_s > 0
				    ? opts->connect_timeout_s
				    : (timeout < 5 ? timeout : 5);
	struct curl_slist *list = NULL, *l;
	sts_http_sink sink = {0};
	CURLcode cc = CURLE_FAILED_INIT;
	long status = 0;
	CURL *curl;
	kg_rc rc = KG_OK;

	kg_aws_http_global_init();
	curl = curl_easy_init();
	if (curl == NULL)
		return kg_err_set(err, KG_EINTERNAL,
				  "sts: libcurl did not "
				  "start");
	sink.pool = pool;
	kg_buf_init(&sink.body, pool, 4096);
	for (size_t i = 0; i < n; i++) {
		char *line = kg_psprintf(pool, "%s: %s", headers[i].name,
					 headers[i].value);

		l = curl_slist_append(list, line);
		OPENSSL_cleanse(line, strlen(line)); /* may hold a token */
		if (l == NULL)
			goto oom;
		list = l;
	}
	/* no "Expect: 100-continue" on large bodies; no Accept header */
	if ((l = curl_slist_append(list, "Expect:")) == NULL)
		goto oom;
	list = l;
	if ((l = curl_slist_append(list, "Accept:")) == NULL)
		goto oom;
	list = l;

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (opts->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, opts->ca_file);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)connect);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "keygate");
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)len);
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sts_http_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, sts_http_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (sink.too_big)
		rc = kg_err_set(err, KG_EBACKEND,
				"sts_unreachable: the answer from %s is over "
				"%d bytes",
				url, STS_HTTP_MAX_REPLY);
	else if (cc != CURLE_OK || status == 0)
		rc = kg_err_set(err, KG_EBACKEND,
				"sts_unreachable: no answer from %s: %s", url,
				curl_easy_strerror(cc));
	else {
		out->status = (int)status;
		out->body = sink.body.data;
		out->len = sink.body.len;
		out->date = sink.date;
		out->request_id = sink.request_id;
	}
	curl_slist_free_all(list);
	curl_easy_cleanup(curl);
	return rc;
oom:
	curl_slist_free_all(list);
	curl_easy_cleanup(curl);
	return kg_err_set(err, KG_EINTERNAL, "sts: out of memory");
}

kg_rc kg_aws_http_post(apr_pool_t *pool, const kg_aws_http_opts *opts,
		       const char *url, const kg_sigv4_header *headers,
		       size_t n, const char *body, size_t len,
		       kg_aws_http_reply *out, kg_err *err)
{
	return sts_http_call(pool, opts, url, headers, n, body ? body : "", len,
			     out, err);
}

kg_rc kg_aws_http_get(apr_pool_t *pool, const kg_aws_http_opts *opts,
		      const char *url, const kg_sigv4_header *headers, size_t n,
		      kg_aws_http_reply *out, kg_err *err)
{
	return sts_http_call(pool, opts, url, headers, n, NULL, 0, out, err);
}
