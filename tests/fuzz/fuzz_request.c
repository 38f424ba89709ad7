/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: the request inputs an attacker controls before
 * authentication: the Cookie header parser, query decoding, the
 * open-redirect guard, and identity-header scrubbing. The input is split
 * at its first two newlines into a Cookie header, a query value and a
 * header name.
 */
#include "tests/fuzz/fuzz.h"
#include "gateway/base/http.h"
#include "gateway/base/str.h"
#include "gateway/flow/authn/identity.h"
#include "gateway/flow/core/redirect.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	char *text, *query, *name;
	const char *decoded;
	kg_conf_location loc = {0};
	kg_req *req;

	apr_pool_create(&pool, root);
	text = apr_pstrmemdup(pool, (const char *)data, size);
	query = strchr(text, '\n');
	if (query)
		*query++ = '\0';
	name = query ? strchr(query, '\n') : NULL;
	if (name)
		*name++ = '\0';
	req = kg_req_make(pool);
	req->method = "GET";
	apr_table_setn(req->headers, "Cookie", text);
	if (name && *name)
		apr_table_setn(req->headers, name, "x");
	kg_req_cookie(req, "keygate_session");
	kg_identity_strip_cookies(pool, req->headers, "keygate_session");
	kg_identity_scrub(pool, req->headers, &loc);
	decoded = query ? kg_str_url_decode(pool, query, strlen(query)) : NULL;
	kg_redirect_is_local(decoded ? decoded : text);
	kg_identity_encode(pool, text);
	apr_pool_destroy(pool);
	return 0;
}
