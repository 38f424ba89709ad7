/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate integration helper: signs requests with kg_sigv4_sign for
 * tests/integration/sigv4_botocore.sh. Reads a JSON array on stdin, one
 * object per request:
 *   {"method", "path", "query", "headers": [[name, value], ...],
 *    "body_hex", "time", "region", "service", "ak", "sk", "token"}
 * ("token" may be null) and prints, per request, one line: the
 * Authorization value, or "error: MESSAGE".
 */
#include "gateway/base/json.h"
#include "gateway/base/str.h"
#include "gateway/proto/aws/sigv4.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str_of(const kg_json *obj, const char *key)
{
	const kg_json *v = kg_json_get(obj, key);

	return v && v->type == KG_JSON_STRING ? v->str : NULL;
}

/* Decodes hex into pool; *len is the byte count. */
static char *unhex(apr_pool_t *pool, const char *hex, size_t *len)
{
	size_t n = hex ? strlen(hex) / 2 : 0;
	char *out = apr_palloc(pool, n + 1);

	for (size_t i = 0; i < n; i++)
		out[i] = (char)(kg_hex_value(hex[2 * i]) * 16 +
				kg_hex_value(hex[2 * i + 1]));
	out[n] = '\0';
	*len = n;
	return out;
}

/* Signs one request object and prints its line. */
static void sign_one(apr_pool_t *pool, const kg_json *o)
{
	const kg_json *hs = kg_json_get(o, "headers");
	const kg_json *t = kg_json_get(o, "time");
	size_t n = hs && hs->type == KG_JSON_ARRAY ? hs->count : 0;
	kg_sigv4_header *h = apr_pcalloc(pool, (n + 1) * sizeof(*h));
	kg_aws_creds creds = {str_of(o, "ak"), str_of(o, "sk"),
			      str_of(o, "token")};
	kg_sigv4_req req = {0};
	kg_sigv4_out out;
	kg_err err = {0};

	for (size_t i = 0; i < n; i++) {
		const kg_json *pair = hs->members[i].value;

		h[i].name = pair->members[0].value->str;
		h[i].value = pair->members[1].value->str;
	}
	req.method = str_of(o, "method");
	req.path = str_of(o, "path");
	req.query = str_of(o, "query");
	req.headers = h;
	req.n_headers = n;
	req.body = unhex(pool, str_of(o, "body_hex"), &req.body_len);
	req.region = str_of(o, "region");
	req.service = str_of(o, "service");
	req.time_s = t ? strtoll(t->str, NULL, 10) : 0;
	if (kg_sigv4_sign(pool, &req, &creds, &out, &err) == KG_OK)
		printf("%s\n", out.authorization);
	else
		printf("error: %s\n", err.msg);
}

int main(void)
{
	apr_pool_t *pool;
	kg_json *all;
	kg_json_error e;
	kg_buf in;
	char chunk[65536];
	size_t n;

	apr_initialize();
	apr_pool_create(&pool, NULL);
	kg_buf_init(&in, pool, 1 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		kg_buf_add(&in, chunk, n);
	if (!kg_json_parse(pool, in.data, in.len, 16, &all, &e) ||
	    all->type != KG_JSON_ARRAY) {
		fprintf(stderr, "sigv4_driver: bad input at %d:%d: %s\n",
			e.line, e.col, e.msg);
		return 2;
	}
	for (size_t i = 0; i < all->count; i++) {
		apr_pool_t *sub;

		apr_pool_create(&sub, pool);
		sign_one(sub, all->members[i].value);
		apr_pool_destroy(sub);
	}
	apr_pool_destroy(pool);
	apr_terminate();
	return 0;
}
