/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: counters for Prometheus.
 */
#include "gateway/flow/process/metrics.h"

void kg_metrics_inc(kg_metrics *m, kg_metric which)
{
	if (m)
		__atomic_fetch_add(&m->v[which], 1, __ATOMIC_RELAXED);
}

static uint64_t get(const kg_metrics *m, kg_metric which)
{
	return __atomic_load_n(&m->v[which], __ATOMIC_RELAXED);
}

typedef struct {
	const char *name; /* metric family */
	const char *help;
	const char *label; /* label name, or NULL */
	struct {
		kg_metric m;
		const char *value;
	} series[9];
} family;

static const family families[] = {
	{"keygate_requests_total",
	 "Requests to keygate locations, by outcome.",
	 "outcome",
	 {{KG_M_REQ_SESSION, "session"},
	  {KG_M_REQ_BEARER, "bearer"},
	  {KG_M_REQ_ANONYMOUS, "anonymous"},
	  {KG_M_REQ_API_KEY, "api_key"},
	  {KG_M_REQ_PASS_THROUGH, "pass_through"},
	  {KG_M_REQ_LOGIN_REDIRECT, "login_redirect"},
	  {KG_M_REQ_UNAUTHORIZED, "unauthorized"},
	  {KG_M_REQ_UNAVAILABLE, "unavailable"},
	  {KG_M_COUNT, NULL}}},
	{"keygate_logins_total",
	 "Finished logins, by outcome.",
	 "outcome",
	 {{KG_M_LOGIN_OK, "ok"},
	  {KG_M_LOGIN_DENIED, "denied"},
	  {KG_M_LOGIN_FAILED, "failed"},
	  {KG_M_COUNT, NULL}}},
	{"keygate_tokens_rejected_total",
	 "Bearer tokens refused (invalid, revoked or not allowed).",
	 NULL,
	 {{KG_M_TOKEN_REJECTED, NULL}, {KG_M_COUNT, NULL}}},
	{"keygate_backchannel_logouts_total",
	 "Back-channel logouts accepted from the provider.",
	 NULL,
	 {{KG_M_BACKCHANNEL_LOGOUT, NULL}, {KG_M_COUNT, NULL}}},
};

void kg_metrics_write(kg_buf *b, const kg_metrics *m)
{
	for (size_t f = 0; f < sizeof(families) / sizeof(*families); f++) {
		const family *fam = &families[f];
		kg_buf_addf(b, "# HELP %s %s\n# TYPE %s counter\n", fam->name,
			    fam->help, fam->name);
		for (int i = 0; fam->series[i].m != KG_M_COUNT; i++) {
			if (fam->label)
				kg_buf_addf(b, "%s{%s=\"%s\"} %llu\n",
					    fam->name, fam->label,
					    fam->series[i].value,
					    (unsigned long long)get(
						    m, fam->series[i].m));
			else
				kg_buf_addf(b, "%s %llu\n", fam->name,
					    (unsigned long long)get(
						    m, fam->series[i].m));
		}
	}
}
