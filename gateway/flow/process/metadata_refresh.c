/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the IdP's SAML metadata refreshed from a URL.
 */
#include "gateway/flow/process/metadata_refresh.h"
#include "gateway/proto/oidc/http.h"
#include "gateway/base/metrics.h"

#include <time.h>

#include <stdbool.h>

/* The largest metadata accepted. */
#define KG_SAML_METADATA_MAX (4u * 1024 * 1024)

struct kg_metadata_refresh {
	kg_saml *saml;
	const kg_conf_saml_idp *idp;
	const char *pinned;
	long long next_ms; /* atomic: when the next fetch is due */
	int busy;	   /* atomic: a thread is fetching */
};

kg_metadata_refresh *kg_metadata_refresh_make(apr_pool_t *pool, kg_saml *saml,
					      const kg_conf_saml_idp *idp,
					      const char *pinned_cert_pem)
{
	kg_metadata_refresh *r = apr_pcalloc(pool, sizeof(*r));

	r->saml = saml;
	r->idp = idp;
	r->pinned = pinned_cert_pem;
	return r; /* next_ms 0: due at the first request */
}

/* Fetches, checks and swaps in the metadata, in pool. */
static kg_rc refresh(kg_metadata_refresh *r, apr_pool_t *pool, kg_err *err)
{
	kg_oidc_http_opts opts = {10, true, NULL, NULL};
	kg_oidc_http_reply reply;
	long long t0 = kg_metrics_clock_us();
	kg_rc rc = kg_oidc_http_get(pool, &opts, r->idp->metadata_url, NULL,
				    &reply, err);

	kg_metrics_since(KG_H_METADATA, kg_metrics_slot(r->idp->alias, "saml"),
			 t0);
	if (rc != KG_OK)
		return rc;
	if (reply.status != 200)
		return kg_err_set(err, KG_EBACKEND, "HTTP status %d",
				  reply.status);
	if (reply.len > KG_SAML_METADATA_MAX)
		return kg_err_set(err, KG_EINVAL,
				  "the metadata is over %u "
				  "bytes",
				  KG_SAML_METADATA_MAX);
	if ((rc = kg_saml_metadata_verify(pool, reply.body, r->pinned, err)) !=
	    KG_OK)
		return rc;
	return kg_saml_set_idp_metadata(r->saml, reply.body, err);
}

void kg_metadata_refresh_tick(kg_metadata_refresh *r, const kg_log *log,
			      long long now_ms)
{
	int idle = 0;
	apr_pool_t *pool;
	kg_err err = {0};

	if (now_ms < __atomic_load_n(&r->next_ms, __ATOMIC_RELAXED) ||
	    !__atomic_compare_exchange_n(&r->busy, &idle, 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&r->next_ms, now_ms + r->idp->refresh_s * 1000,
			 __ATOMIC_RELAXED);
	/* its own unmanaged pool: request threads share no parent here */
	if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
		__atomic_store_n(&r->busy, 0, __ATOMIC_RELEASE);
		return;
	}
	if (refresh(r, pool, &err) == KG_OK) {
		kg_metrics_add(KG_M_RELOAD_METADATA_OK);
		kg_metrics_gauge(KG_G_METADATA_AT,
				 kg_metrics_slot(r->idp->alias, "saml"),
				 (long long)time(NULL));
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0540",
			    "saml metadata refreshed idp=%s", r->idp->alias);
	} else {
		kg_metrics_add(KG_M_RELOAD_METADATA_FAILED);
		kg_log_emit(log, KG_LOG_WARN, "KG-0541",
			    "saml metadata refresh failed idp=%s: %s; the "
			    "last good metadata stays",
			    r->idp->alias, err.msg);
	}
	apr_pool_destroy(pool);
	__atomic_store_n(&r->busy, 0, __ATOMIC_RELEASE);
}
