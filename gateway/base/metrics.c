/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: metrics for Prometheus: the shared table, its updates and
 * its text exposition (format 0.0.4, as `promtool check metrics` wants:
 * _total counters, _seconds histograms, base units, HELP and TYPE once
 * per family).
 */
#include "gateway/base/metrics.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static kg_metrics *shared;

void kg_metrics_use(kg_metrics *m)
{
	__atomic_store_n(&shared, m, __ATOMIC_RELEASE);
}

kg_metrics *kg_metrics_table(void)
{
	return __atomic_load_n(&shared, __ATOMIC_ACQUIRE);
}

void kg_metrics_inc(kg_metrics *m, kg_metric which)
{
	if (m)
		__atomic_fetch_add(&m->v[which], 1, __ATOMIC_RELAXED);
}

void kg_metrics_add(kg_metric which)
{
	kg_metrics_inc(kg_metrics_table(), which);
}

/* The slot of name in table[n] (claimed when new), or fallback. The
 * claim is a compare-and-swap on the slot's state; a reader waits for a
 * slot being named, so one name never takes two slots. */
static int claim(kg_metrics_name *table, int n, int first, const char *name,
		 const char *protocol, int fallback)
{
	for (int i = first; i < n; i++) {
		uint32_t st =
			__atomic_load_n(&table[i].state, __ATOMIC_ACQUIRE);
		uint32_t free_ = 0;
		/* another process is naming it: a few stores away */
		for (int spin = 0; st == 1 && spin < 100000; spin++)
			st = __atomic_load_n(&table[i].state, __ATOMIC_ACQUIRE);
		if (st == 2) {
			if (strncmp(table[i].name, name, KG_METRICS_NAME - 1) ==
				    0 &&
			    strcmp(table[i].protocol, protocol) == 0)
				return i;
			continue;
		}
		if (st == 1)
			continue; /* its writer died half way */
		if (!__atomic_compare_exchange_n(&table[i].state, &free_, 1,
						 false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED)) {
			i--; /* look at it again */
			continue;
		}
		strncpy(table[i].name, name, KG_METRICS_NAME - 1);
		strncpy(table[i].protocol, protocol,
			sizeof(table[i].protocol) - 1);
		__atomic_store_n(&table[i].state, 2, __ATOMIC_RELEASE);
		return i;
	}
	return fallback;
}

int kg_metrics_slot(const char *name, const char *protocol)
{
	kg_metrics *m = kg_metrics_table();

	if (m == NULL || name == NULL)
		return 0;
	return claim(m->slots, KG_METRICS_SLOTS, 1, name,
		     protocol ? protocol : "", 0);
}

long long kg_metrics_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Bucket bounds in microseconds: Redis commands are sub-millisecond,
 * calls to providers and STS take tens of milliseconds to seconds. */
static const long long bounds_net[KG_METRICS_BUCKETS] = {
	5000,	10000,	 25000,	  50000,   100000,  250000,
	500000, 1000000, 2500000, 5000000, 10000000};
static const long long bounds_redis[KG_METRICS_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 500000};

static const long long *bounds_of(kg_hist h)
{
	return h == KG_H_REDIS ? bounds_redis : bounds_net;
}

void kg_metrics_observe(kg_hist h, int slot, long long us)
{
	kg_metrics *m = kg_metrics_table();
	const long long *b = bounds_of(h);
	int i = 0;

	if (m == NULL || slot < 0 || slot >= KG_METRICS_SLOTS)
		return;
	if (us < 0)
		us = 0;
	while (i < KG_METRICS_BUCKETS && us > b[i])
		i++;
	__atomic_fetch_add(&m->hist[h][slot].n[i], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->hist[h][slot].sum_us, (uint64_t)us,
			   __ATOMIC_RELAXED);
}

void kg_metrics_since(kg_hist h, int slot, long long start_us)
{
	if (kg_metrics_table())
		kg_metrics_observe(h, slot, kg_metrics_clock_us() - start_us);
}

void kg_metrics_gauge(kg_gauge g, int slot, long long value)
{
	kg_metrics *m = kg_metrics_table();

	if (m == NULL || slot < 0 || slot >= KG_METRICS_SLOTS)
		return;
	__atomic_store_n(&m->gauge[g][slot], (int64_t)value, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&m->gauge_set[g][slot], __ATOMIC_RELAXED))
		__atomic_store_n(&m->gauge_set[g][slot], 1, __ATOMIC_RELAXED);
}

const char *kg_metrics_slot_name(int slot, const char **protocol)
{
	kg_metrics *m = kg_metrics_table();

	if (m == NULL || slot <= 0 || slot >= KG_METRICS_SLOTS ||
	    __atomic_load_n(&m->slots[slot].state, __ATOMIC_ACQUIRE) != 2)
		return NULL;
	*protocol = m->slots[slot].protocol;
	return m->slots[slot].name;
}

bool kg_metrics_gauge_get(kg_gauge g, int slot, long long *value)
{
	kg_metrics *m = kg_metrics_table();

	if (m == NULL || slot < 0 || slot >= KG_METRICS_SLOTS ||
	    !__atomic_load_n(&m->gauge_set[g][slot], __ATOMIC_RELAXED))
		return false;
	*value = (long long)__atomic_load_n(&m->gauge[g][slot],
					    __ATOMIC_RELAXED);
	return true;
}

void kg_metrics_refusal(const char *reason)
{
	kg_metrics *m = kg_metrics_table();
	int i;

	if (m == NULL)
		return;
	i = reason ? claim(m->reasons, KG_METRICS_REASONS - 1, 0, reason, "",
			   KG_METRICS_REASONS - 1)
		   : KG_METRICS_REASONS - 1;
	__atomic_fetch_add(&m->refusals[i], 1, __ATOMIC_RELAXED);
}

/* ---- exposition ---- */

static uint64_t get(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

/* Appends s as a label value: backslash, quote and newline escaped. */
static void add_label_value(kg_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			kg_buf_addf(b, "\\%c", *s);
		else if (*s == '\n')
			kg_buf_adds(b, "\\n");
		else
			kg_buf_addf(b, "%c", *s);
	}
}

static void head(kg_buf *b, const char *name, const char *type,
		 const char *help)
{
	kg_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
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
	{"keygate_session_evictions_total",
	 "Sessions ended to make room for a new one, by the limit that "
	 "ended them.",
	 "limit",
	 {{KG_M_EVICT_USER, "user"},
	  {KG_M_EVICT_REALM, "realm"},
	  {KG_M_COUNT, NULL}}},
	{"keygate_logouts_total",
	 "Sessions ended by a logout, by how the logout came.",
	 "protocol",
	 {{KG_M_LOGOUT_LOCAL, "local"},
	  {KG_M_LOGOUT_SAML, "saml"},
	  {KG_M_LOGOUT_OIDC, "oidc"},
	  {KG_M_COUNT, NULL}}},
	{"keygate_sessions_ended_total",
	 "Sessions ended other than by logout or eviction, by cause.",
	 "cause",
	 {{KG_M_SESSION_EXPIRED, "expired"},
	  {KG_M_SESSION_KILLED, "killed"},
	  {KG_M_COUNT, NULL}}},
	{"keygate_sts_credentials_total",
	 "AWS STS credentials asked for, by outcome.",
	 "outcome",
	 {{KG_M_STS_ISSUED, "issued"},
	  {KG_M_STS_FAILED, "failed"},
	  {KG_M_COUNT, NULL}}},
	{"keygate_mapper_reloads_total",
	 "Mapper file loads after the first, by outcome.",
	 "outcome",
	 {{KG_M_RELOAD_MAPPERS_OK, "ok"},
	  {KG_M_RELOAD_MAPPERS_FAILED, "failed"},
	  {KG_M_COUNT, NULL}}},
	{"keygate_metadata_reloads_total",
	 "SAML metadata refreshes from the metadata URL, by outcome.",
	 "outcome",
	 {{KG_M_RELOAD_METADATA_OK, "ok"},
	  {KG_M_RELOAD_METADATA_FAILED, "failed"},
	  {KG_M_COUNT, NULL}}},
};

static void write_counters(kg_buf *b, const kg_metrics *m)
{
	for (size_t f = 0; f < sizeof(families) / sizeof(*families); f++) {
		const family *fam = &families[f];
		head(b, fam->name, "counter", fam->help);
		for (int i = 0; fam->series[i].m != KG_M_COUNT; i++) {
			unsigned long long v = get(&m->v[fam->series[i].m]);
			if (fam->label)
				kg_buf_addf(b, "%s{%s=\"%s\"} %llu\n",
					    fam->name, fam->label,
					    fam->series[i].value, v);
			else
				kg_buf_addf(b, "%s %llu\n", fam->name, v);
		}
	}
}

static void write_refusals(kg_buf *b, const kg_metrics *m)
{
	head(b, "keygate_refusals_total", "counter",
	     "Requests keygate refused, by reason (the reason= of the log "
	     "line).");
	for (int i = 0; i < KG_METRICS_REASONS; i++) {
		unsigned long long v = get(&m->refusals[i]);
		const char *name = i == KG_METRICS_REASONS - 1
					   ? "other"
					   : m->reasons[i].name;
		if (v == 0 || (i < KG_METRICS_REASONS - 1 &&
			       __atomic_load_n(&m->reasons[i].state,
					       __ATOMIC_ACQUIRE) != 2))
			continue;
		kg_buf_adds(b, "keygate_refusals_total{reason=\"");
		add_label_value(b, name);
		kg_buf_addf(b, "\"} %llu\n", v);
	}
}

/* Appends the labels of slot (provider and protocol; none for slot 0
 * of a family without them) inside {...}, then extra. */
static void add_labels(kg_buf *b, const kg_metrics *m, int slot, bool labelled,
		       const char *extra)
{
	bool any = false;

	kg_buf_adds(b, "{");
	if (labelled) {
		kg_buf_adds(b, "provider=\"");
		add_label_value(b, slot ? m->slots[slot].name : "");
		kg_buf_adds(b, "\",protocol=\"");
		add_label_value(b, slot ? m->slots[slot].protocol : "");
		kg_buf_adds(b, "\"");
		any = true;
	}
	if (extra)
		kg_buf_addf(b, "%s%s", any ? "," : "", extra);
	kg_buf_adds(b, "}");
}

static bool slot_ready(const kg_metrics *m, int slot)
{
	return slot == 0 ||
	       __atomic_load_n(&m->slots[slot].state, __ATOMIC_ACQUIRE) == 2;
}

typedef struct {
	kg_hist h;
	const char *name;
	const char *help;
	bool labelled;
} hist_family;

static const hist_family hists[] = {
	{KG_H_LOGIN, "keygate_login_duration_seconds",
	 "Time from a login's answer (SAML ACS or OIDC callback) to its "
	 "session.",
	 true},
	{KG_H_TOKEN, "keygate_provider_token_request_duration_seconds",
	 "Calls to the OpenID provider's token endpoint.", true},
	{KG_H_METADATA, "keygate_provider_metadata_request_duration_seconds",
	 "Fetches of SAML metadata, OIDC discovery documents and JWKS.", true},
	{KG_H_REDIS, "keygate_redis_command_duration_seconds",
	 "Redis commands, with their one retry.", false},
	{KG_H_STS, "keygate_sts_request_duration_seconds", "Calls to AWS STS.",
	 false},
};

static void write_hist(kg_buf *b, const kg_metrics *m, const hist_family *f)
{
	const long long *bounds = bounds_of(f->h);

	head(b, f->name, "histogram", f->help);
	for (int s = 0; s < KG_METRICS_SLOTS; s++) {
		const kg_metrics_hist *h = &m->hist[f->h][s];
		unsigned long long cum = 0;
		char le[48];
		bool used = false;

		for (int i = 0; i <= KG_METRICS_BUCKETS; i++)
			used |= get(&h->n[i]) != 0;
		/* an unlabelled family always shows its series */
		if (!slot_ready(m, s) || (!used && (f->labelled || s != 0)))
			continue;
		for (int i = 0; i <= KG_METRICS_BUCKETS; i++) {
			cum += get(&h->n[i]);
			if (i < KG_METRICS_BUCKETS)
				snprintf(le, sizeof(le), "le=\"%g\"",
					 (double)bounds[i] / 1e6);
			else
				snprintf(le, sizeof(le), "le=\"+Inf\"");
			kg_buf_addf(b, "%s_bucket", f->name);
			add_labels(b, m, s, f->labelled, le);
			kg_buf_addf(b, " %llu\n", cum);
		}
		kg_buf_addf(b, "%s_sum", f->name);
		if (f->labelled)
			add_labels(b, m, s, true, NULL);
		kg_buf_addf(b, " %.6f\n", (double)get(&h->sum_us) / 1e6);
		kg_buf_addf(b, "%s_count", f->name);
		if (f->labelled)
			add_labels(b, m, s, true, NULL);
		kg_buf_addf(b, " %llu\n", cum);
	}
}

typedef struct {
	kg_gauge g;
	const char *name;
	const char *help;
	bool labelled;
} gauge_family;

static const gauge_family gauges[] = {
	{KG_G_REDIS_UP, "keygate_redis_up",
	 "1 when the last Redis command was answered, else 0.", false},
	{KG_G_MAPPERS_AT, "keygate_mapper_last_success_timestamp_seconds",
	 "When the mapper file was last loaded without error.", false},
	{KG_G_METADATA_AT, "keygate_metadata_last_success_timestamp_seconds",
	 "When a provider's SAML metadata or OIDC discovery document was last "
	 "loaded.",
	 true},
	{KG_G_JWKS_AT, "keygate_jwks_last_success_timestamp_seconds",
	 "When a JWKS was last fetched and read.", true},
};

static void write_gauge(kg_buf *b, const kg_metrics *m, const gauge_family *f)
{
	head(b, f->name, "gauge", f->help);
	for (int s = 0; s < KG_METRICS_SLOTS; s++) {
		if (!slot_ready(m, s) || !get(&m->gauge_set[f->g][s]))
			continue;
		kg_buf_adds(b, f->name);
		if (f->labelled)
			add_labels(b, m, s, true, NULL);
		kg_buf_addf(b, " %lld\n",
			    (long long)__atomic_load_n(&m->gauge[f->g][s],
						       __ATOMIC_RELAXED));
	}
}

void kg_metrics_write(kg_buf *b, const kg_metrics *m, const char *version)
{
	write_counters(b, m);
	write_refusals(b, m);
	for (size_t i = 0; i < sizeof(hists) / sizeof(*hists); i++)
		write_hist(b, m, &hists[i]);
	for (size_t i = 0; i < sizeof(gauges) / sizeof(*gauges); i++)
		write_gauge(b, m, &gauges[i]);
	head(b, "keygate_build_info", "gauge",
	     "Always 1; the version of keygate that answers.");
	kg_buf_adds(b, "keygate_build_info{version=\"");
	add_label_value(b, version ? version : "unknown");
	kg_buf_adds(b, "\"} 1\n");
}
