/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the discovery document: fetch, check, cache.
 *
 * A fetched document becomes an immutable kg_oidc_meta with malloc'd
 * strings, held by a kg_refcell; readers copy it into their pool.
 */
#include "gateway/proto/oidc/discovery.h"
#include "gateway/base/refcell.h"
#include "gateway/base/metrics.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kg_oidc_discovery {
	const char *issuer;
	const char *url; /* <issuer>/.well-known/openid-configuration */
	kg_oidc_http_opts http;
	kg_refcell *cache; /* of kg_oidc_meta, strings malloc'd */
};

/* clang-format off */
#define META_FIELDS(X)                                                         \
	X(issuer)                                                              \
	X(authorization_endpoint)                                              \
	X(token_endpoint)                                                      \
	X(userinfo_endpoint)                                                   \
	X(jwks_uri)                                                            \
	X(end_session_endpoint)
/* clang-format on */

static void oidc_meta_free(void *value)
{
	kg_oidc_meta *m = value;

#define FREE_FIELD(f) free((char *)m->f);
	META_FIELDS(FREE_FIELD)
#undef FREE_FIELD
	free(m);
}

kg_rc kg_oidc_discovery_make(apr_pool_t *pool, const char *issuer,
			     const kg_oidc_http_opts *http,
			     long long max_age_ms, long long retry_min_ms,
			     kg_oidc_discovery **out, kg_err *err)
{
	kg_oidc_discovery *d = apr_pcalloc(pool, sizeof(*d));
	size_t len = strlen(issuer);
	kg_rc rc;

	d->issuer = apr_pstrdup(pool, issuer);
	if (len > 0 && issuer[len - 1] == '/')
		len--;
	d->url = apr_pstrcat(pool, apr_pstrmemdup(pool, issuer, len),
			     "/.well-known/openid-configuration", NULL);
	d->http = *http;
	rc = kg_refcell_make(pool, oidc_meta_free, max_age_ms, retry_min_ms,
			     &d->cache, err);
	if (rc == KG_OK)
		*out = d;
	return rc;
}

kg_rc kg_oidc_discovery_parse(apr_pool_t *pool, const char *issuer,
			      const char *url, int status, const char *body,
			      size_t len, kg_oidc_meta *out, kg_err *err)
{
	kg_oidc_http_reply reply = {status, body, len};
	const kg_json *doc;
	const char *named;

	doc = status == 200 ? kg_oidc_http_json(pool, &reply) : NULL;
	if (doc == NULL)
		return kg_err_set(err, KG_EBACKEND,
				  "oidc_discovery: %s answered HTTP %d without "
				  "a JSON document",
				  url, status);
	named = kg_json_str(doc, "issuer");
	if (named == NULL || strcmp(named, issuer) != 0)
		return kg_err_set(err, KG_EAUTH,
				  "oidc_discovery: issuer mix-up: the document "
				  "names \"%.200s\", not \"%s\"",
				  named ? named : "", issuer);
	if (kg_json_str(doc, "jwks_uri") == NULL)
		return kg_err_set(err, KG_EBACKEND,
				  "oidc_discovery: %s names no jwks_uri", url);
#define GET_FIELD(f) out->f = kg_json_str(doc, #f);
	META_FIELDS(GET_FIELD)
#undef GET_FIELD
	return KG_OK;
}

static char *oidc_meta_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Fetches and checks the document into a new meta (*out). */
static kg_rc oidc_discovery_fetch(kg_oidc_discovery *d, apr_pool_t *pool,
				  kg_oidc_meta **out, kg_err *err)
{
	kg_oidc_http_reply reply;
	kg_oidc_meta parsed;
	kg_oidc_meta *m;
	int slot = kg_metrics_slot(d->issuer, "oidc");
	long long t0 = kg_metrics_clock_us();
	kg_rc rc = kg_oidc_http_get(pool, &d->http, d->url, NULL, &reply, err);

	kg_metrics_since(KG_H_METADATA, slot, t0);
	if (rc == KG_OK)
		rc = kg_oidc_discovery_parse(pool, d->issuer, d->url,
					     reply.status, reply.body,
					     reply.len, &parsed, err);
	if (rc != KG_OK)
		return rc;
	kg_metrics_gauge(KG_G_METADATA_AT, slot, (long long)time(NULL));
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
#define DUP_FIELD(f) m->f = oidc_meta_strdup(parsed.f);
	META_FIELDS(DUP_FIELD)
#undef DUP_FIELD
	*out = m;
	return KG_OK;
}

kg_rc kg_oidc_discovery_get(kg_oidc_discovery *d, apr_pool_t *pool,
			    long long now_ms, kg_oidc_meta *out, kg_err *err)
{
	bool stale;
	kg_refcell_ref *ref = kg_refcell_acquire(d->cache, now_ms, &stale);
	const kg_oidc_meta *m;

	if (stale && kg_refcell_begin(d->cache, now_ms)) {
		kg_oidc_meta *fresh = NULL;
		kg_err fetch_err;
		kg_err_clear(&fetch_err);
		if (oidc_discovery_fetch(d, pool, &fresh, &fetch_err) ==
		    KG_OK) {
			kg_refcell_store(d->cache, fresh, now_ms);
			kg_refcell_release(d->cache, ref);
			ref = kg_refcell_acquire(d->cache, now_ms, &stale);
		} else {
			kg_refcell_end(d->cache);
		}
		if (fresh == NULL && ref == NULL)
			return kg_err_set(err, fetch_err.rc, "%s",
					  fetch_err.msg);
		if (fresh == NULL)
			kg_log_emit(d->http.log, KG_LOG_WARN, "KG-0431",
				    "discovery refresh failed, keeping the old "
				    "document issuer=%s reason=%s",
				    d->issuer, fetch_err.msg);
	}
	if (ref == NULL)
		return kg_err_set(err, KG_EBACKEND,
				  "oidc_discovery: no document for %s yet "
				  "(fetches are rate-limited)",
				  d->issuer);
	m = kg_refcell_value(ref);
#define COPY_FIELD(f) out->f = m->f ? apr_pstrdup(pool, m->f) : NULL;
	META_FIELDS(COPY_FIELD)
#undef COPY_FIELD
	kg_refcell_release(d->cache, ref);
	return KG_OK;
}
