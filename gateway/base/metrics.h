/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: metrics for Prometheus, one table per httpd shared by every
 * child: the binding places it in memory it shares across its children
 * (made before they fork) and names it with kg_metrics_use. Updates are
 * relaxed atomic adds and stores, no lock, so the hot path pays a few
 * instructions. Any layer records into the table of its process (NULL:
 * nothing is recorded, as in the CLI and most unit tests).
 *
 * Labels: a provider (its alias, or an issuer or JWKS URL) and a
 * protocol take one of KG_METRICS_SLOTS slots, claimed once per name in
 * the shared table; slot 0 is "no provider" (and where names go once the
 * slots are full). Refusal reasons take one of KG_METRICS_REASONS slots
 * the same way (the last one is "other").
 */
#ifndef KG_BASE_METRICS_H
#define KG_BASE_METRICS_H

#include "gateway/base/buf.h"

#include <stdbool.h>
#include <stdint.h>

/* Counters without a provider. */
typedef enum {
	KG_M_REQ_SESSION,	 /* passed with a session */
	KG_M_REQ_BEARER,	 /* passed with a bearer token */
	KG_M_REQ_ANONYMOUS,	 /* passed as Anonymous */
	KG_M_REQ_API_KEY,	 /* passed with X-Domino-Api-Key or
				    X-DMM-API-KEY */
	KG_M_REQ_PASS_THROUGH,	 /* passed with an Authorization header
				    the backend checks */
	KG_M_REQ_LOGIN_REDIRECT, /* sent to log in */
	KG_M_REQ_UNAUTHORIZED,	 /* 401 */
	KG_M_REQ_UNAVAILABLE,	 /* 503: Redis or a provider down */
	KG_M_LOGIN_OK,
	KG_M_LOGIN_DENIED,   /* gate or session limit */
	KG_M_LOGIN_FAILED,   /* protocol or backend failure */
	KG_M_TOKEN_REJECTED, /* bad or revoked bearer token */
	KG_M_BACKCHANNEL_LOGOUT,
	KG_M_EVICT_USER,	/* a session ended by the user limit */
	KG_M_EVICT_REALM,	/* ... by the realm limit */
	KG_M_LOGOUT_LOCAL,	/* a session ended by /keygate/logout */
	KG_M_LOGOUT_SAML,	/* ... by SAML single logout */
	KG_M_LOGOUT_OIDC,	/* ... by an OIDC back-channel logout */
	KG_M_SESSION_EXPIRED,	/* idle or max timeout noticed */
	KG_M_SESSION_KILLED,	/* keygate sessions kill */
	KG_M_STS_ISSUED,	/* AWS credentials issued */
	KG_M_STS_FAILED,	/* ... refused or failed */
	KG_M_RELOAD_MAPPERS_OK, /* mapper file (re)loaded */
	KG_M_RELOAD_MAPPERS_FAILED,
	KG_M_RELOAD_METADATA_OK, /* SAML metadata refreshed */
	KG_M_RELOAD_METADATA_FAILED,
	KG_M_COUNT
} kg_metric;

/* Histograms of durations. */
typedef enum {
	KG_H_LOGIN,    /* a login's last leg: ACS or callback to session */
	KG_H_TOKEN,    /* the provider's token endpoint */
	KG_H_METADATA, /* SAML metadata, OIDC discovery and JWKS fetches */
	KG_H_REDIS,    /* one Redis command (with its retry) */
	KG_H_STS,      /* one STS call */
	KG_H_COUNT
} kg_hist;

/* Gauges (per provider slot where it applies). */
typedef enum {
	KG_G_REDIS_UP,	  /* 1: the last Redis command was answered */
	KG_G_MAPPERS_AT,  /* unix seconds of the last good mapper load */
	KG_G_METADATA_AT, /* ... of SAML metadata or OIDC discovery */
	KG_G_JWKS_AT,	  /* ... of a JWKS */
	KG_G_COUNT
} kg_gauge;

#define KG_METRICS_SLOTS 32
#define KG_METRICS_REASONS 64
#define KG_METRICS_BUCKETS 11 /* plus +Inf */
#define KG_METRICS_NAME 64

typedef struct {
	uint32_t state; /* 0 free, 1 being written, 2 ready */
	char name[KG_METRICS_NAME];
	char protocol[8];
} kg_metrics_name;

typedef struct {
	uint64_t n[KG_METRICS_BUCKETS + 1]; /* per bucket, not cumulative */
	uint64_t sum_us;
} kg_metrics_hist;

typedef struct {
	uint64_t v[KG_M_COUNT];
	kg_metrics_name slots[KG_METRICS_SLOTS];
	kg_metrics_hist hist[KG_H_COUNT][KG_METRICS_SLOTS];
	int64_t gauge[KG_G_COUNT][KG_METRICS_SLOTS];
	uint64_t gauge_set[KG_G_COUNT][KG_METRICS_SLOTS]; /* ever set */
	kg_metrics_name reasons[KG_METRICS_REASONS];
	uint64_t refusals[KG_METRICS_REASONS];
} kg_metrics;

/* Makes m (zeroed, shared, alive as long as the process records) the
 * table this process records into; NULL stops recording. */
void kg_metrics_use(kg_metrics *m);

/* The table this process records into, or NULL. */
kg_metrics *kg_metrics_table(void);

/* Adds one to counter m (m may be NULL: no metrics). */
void kg_metrics_inc(kg_metrics *m, kg_metric which);

/* Adds one to counter which of this process's table. */
void kg_metrics_add(kg_metric which);

/* The slot of provider name (NULL: slot 0) and protocol ("saml",
 * "oidc", "jwt", "aws" or ""), claimed on first use; 0 when the table
 * is full or there is none. */
int kg_metrics_slot(const char *name, const char *protocol);

/* Monotonic microseconds, for durations. */
long long kg_metrics_clock_us(void);

/* Records a duration of us microseconds in histogram h, slot slot. */
void kg_metrics_observe(kg_hist h, int slot, long long us);

/* Records the time since start_us (from kg_metrics_clock_us). */
void kg_metrics_since(kg_hist h, int slot, long long start_us);

/* Sets gauge g of slot to value. */
void kg_metrics_gauge(kg_gauge g, int slot, long long value);

/* The provider name of slot (1..KG_METRICS_SLOTS-1) and its protocol
 * (into *protocol), or NULL when the slot is unused or there is no
 * table. */
const char *kg_metrics_slot_name(int slot, const char **protocol);

/* Gauge g of slot into *value; false when it was never set. */
bool kg_metrics_gauge_get(kg_gauge g, int slot, long long *value);

/* Counts one refusal with reason (a code constant; NULL: "other"). */
void kg_metrics_refusal(const char *reason);

/* Appends the Prometheus text exposition of m; version goes in
 * keygate_build_info. */
void kg_metrics_write(kg_buf *b, const kg_metrics *m, const char *version);

#endif
