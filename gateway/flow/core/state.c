/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the process-wide helpers of flow/: the clock, the outage log
 * line, and the SAML provider by alias.
 */
#include "gateway/flow/core/state.h"

#include <apr_time.h>
#include <string.h>

void kg_state_log_outage(kg_gateway *gw, const kg_log *log, const char *detail)
{
	long long now_s = kg_state_now_ms() / 1000;
	long long last =
		__atomic_load_n(&gw->outage_logged_s, __ATOMIC_RELAXED);
	long long suppressed;

	if (now_s == last || !__atomic_compare_exchange_n(
				     &gw->outage_logged_s, &last, now_s, false,
				     __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
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

long long kg_state_now_ms(void)
{
	return (long long)(apr_time_now() / 1000);
}

kg_oidc *kg_state_oidc(kg_gateway *gw, const char *alias,
		       const kg_conf_oidc **conf)
{
	const apr_array_header_t *list = gw->conf->oidc.providers;

	for (int i = 0; gw->oidc && i < list->nelts; i++) {
		const kg_conf_oidc *p = APR_ARRAY_IDX(list, i, kg_conf_oidc *);
		if (alias && strcmp(p->alias, alias) != 0)
			continue;
		if (conf)
			*conf = p;
		return APR_ARRAY_IDX(gw->oidc, i, kg_oidc *);
	}
	return NULL;
}

kg_saml *kg_state_saml(kg_gateway *gw, const char *alias)
{
	const kg_conf_saml *c = &gw->conf->saml;

	for (int i = 0; gw->saml && alias && i < c->idps->nelts; i++) {
		kg_metadata_refresh *r;
		if (strcmp(APR_ARRAY_IDX(c->idps, i, kg_conf_saml_idp).alias,
			   alias) != 0)
			continue;
		r = APR_ARRAY_IDX(gw->saml_refresh, i, kg_metadata_refresh *);
		if (r)
			kg_metadata_refresh_tick(r, &gw->log,
						 kg_state_now_ms());
		return APR_ARRAY_IDX(gw->saml, i, kg_saml *);
	}
	return NULL;
}
