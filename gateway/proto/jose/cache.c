/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the bearer result cache, a kg_table of payloads.
 */
#include "gateway/proto/jose/cache.h"
#include "gateway/base/table.h"

#include <apr_strings.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

struct kg_jwt_cache {
	kg_table *table; /* of payload */
};

/* A verified payload, malloc'd whole. */
typedef struct {
	size_t len;
	char bytes[]; /* len bytes and a NUL */
} payload;

/* Where a get copies the payload to. */
typedef struct {
	apr_pool_t *pool;
	const char **payload;
	size_t *len;
} copy_out;

kg_rc kg_jwt_cache_make(apr_pool_t *pool, size_t capacity, kg_jwt_cache **out,
			kg_err *err)
{
	kg_jwt_cache *c = apr_pcalloc(pool, sizeof(*c));
	kg_rc rc = kg_table_make(pool, capacity, free, &c->table, err);

	if (rc == KG_OK)
		*out = c;
	return rc;
}

void kg_jwt_cache_key(const char *token, size_t len,
		      unsigned char key[KG_JWT_CACHE_KEY])
{
	SHA256((const unsigned char *)token, len, key);
}

static bool copy_payload(const void *value, void *baton)
{
	const payload *p = value;
	copy_out *o = baton;

	*o->payload = apr_pstrmemdup(o->pool, p->bytes, p->len);
	*o->len = p->len;
	return true;
}

bool kg_jwt_cache_get(kg_jwt_cache *c, apr_pool_t *pool,
		      const unsigned char key[KG_JWT_CACHE_KEY],
		      long long now_ms, const char **payload_out, size_t *len)
{
	copy_out o = {pool, payload_out, len};

	return kg_table_get(c->table, key, now_ms, copy_payload, &o);
}

void kg_jwt_cache_put(kg_jwt_cache *c,
		      const unsigned char key[KG_JWT_CACHE_KEY],
		      const char *bytes, size_t len, long long until_ms)
{
	payload *p = malloc(sizeof(*p) + len + 1);

	if (p == NULL)
		return;
	p->len = len;
	memcpy(p->bytes, bytes, len);
	p->bytes[len] = '\0';
	kg_table_put(c->table, key, p, until_ms);
}
