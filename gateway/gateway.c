/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway's life cycle: checks at config time, state at
 * child start.
 */
#include "gateway/gateway_impl.h"

#include <apr_time.h>

void kg_gateway_set_metrics(kg_gateway *gw, void *metrics)
{
	gw->metrics = metrics;
}

void kg_gateway_log_outage(kg_gateway *gw, const kg_log *log,
			   const char *detail)
{
	long long now_s = kg_gateway_now_ms() / 1000;
	long long last = __atomic_load_n(&gw->outage_logged_s, __ATOMIC_RELAXED);
	long long suppressed;

	if (now_s == last ||
	    !__atomic_compare_exchange_n(&gw->outage_logged_s, &last, now_s,
					 false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&gw->outage_suppressed, 1, __ATOMIC_RELAXED);
		return;
	}
	suppressed = __atomic_exchange_n(&gw->outage_suppressed, 0,
					 __ATOMIC_RELAXED);
	kg_log_emit(log, KG_LOG_ERROR, "KG-0401",
		    "REJECT proto=session reason=cache_unavailable %s "
		    "(%lld more in the last second not logged)",
		    detail, suppressed);
}

long long kg_gateway_now_ms(void)
{
	return (long long)(apr_time_now() / 1000);
}

struct kg_gateway_keys {
	kg_app_signer *app_signer;
};

/* The app-token key and certificate load and belong together. */
static kg_rc load_app_signer(apr_pool_t *pconf, const kg_conf *conf,
			     kg_app_signer **signer, kg_err *err)
{
	if (conf->gateway.app_jwt_cert == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "KeygateAppJWTKey needs KeygateAppJWTCert");
	if (conf->gateway.app_jwt_issuer == NULL &&
	    conf->gateway.base_url == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "KeygateAppJWTKey needs KeygateAppJWTIssuer "
				  "or KeygateBaseURL");
	return kg_app_signer_open(pconf, conf->gateway.app_jwt_key,
				  conf->gateway.app_jwt_cert, signer, err);
}

kg_rc kg_gateway_check(apr_pool_t *pconf, apr_pool_t *ptemp, kg_conf *conf,
		       const kg_log *log, kg_gateway_keys **keys, kg_err *err)
{
	kg_mappers_live *live;
	kg_rc rc = kg_conf_finish(conf, err);

	if (rc != KG_OK)
		return rc;
	if (conf->sessions.secret.bytes == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "KeygateSessionSecret is required");
	if (conf->oidc.issuer &&
	    (conf->gateway.base_url == NULL || conf->oidc.client_id == NULL))
		return kg_err_set(err, KG_ECONFIG,
				  "KeygateOIDCProvider needs KeygateBaseURL and "
				  "KeygateOIDCClientID");
	*keys = apr_pcalloc(pconf, sizeof(**keys));
	if (conf->gateway.app_jwt_key &&
	    (rc = load_app_signer(pconf, conf, &(*keys)->app_signer, err)) !=
		    KG_OK)
		return rc;
	if (conf->mapping.mapper_file == NULL)
		return KG_OK;
	return kg_mappers_live_open(ptemp, conf->mapping.mapper_file, 0, log,
				    &live, err);
}

kg_rc kg_gateway_open(apr_pool_t *pool, const kg_conf *conf,
		      const kg_gateway_keys *keys, const kg_log *log,
		      kg_gateway **out, kg_err *err)
{
	kg_gateway *gw = apr_pcalloc(pool, sizeof(*gw));
	kg_rc rc;

	gw->pool = pool;
	gw->conf = conf;
	gw->log = *log;
	gw->revocations = kg_revocation_cache_make(
		pool, conf->gateway.revocation_interval_s * 1000);
	kg_pol_timeouts_from_conf(&conf->sessions, &gw->timeouts);
	rc = kg_sess_store_open(pool, &conf->sessions, &gw->log, &gw->store,
				err);
	if (rc == KG_OK && conf->mapping.mapper_file)
		rc = kg_mappers_live_open(pool, conf->mapping.mapper_file,
					  conf->gateway.reload_interval_s,
					  &gw->log, &gw->mappers, err);
	gw->app_signer = keys ? keys->app_signer : NULL;
	if (rc == KG_OK && conf->oidc.issuer)
		rc = kg_oidc_open(pool, &conf->oidc, &gw->log, &gw->oidc, err);
	if (rc == KG_OK && conf->oidc.bearer_issuers->nelts > 0)
		rc = kg_jwt_verifier_open(pool, &conf->oidc, &gw->log,
					  &gw->jwt, err);
	if (rc == KG_OK)
		*out = gw;
	return rc;
}
