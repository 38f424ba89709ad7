/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: counters for Prometheus, shared by every process of one
 * httpd: the binding places the table in memory it shares across its
 * children (made before they fork); updates are atomic adds, no lock.
 */
#ifndef KG_FLOW_PROCESS_METRICS_H
#define KG_FLOW_PROCESS_METRICS_H

#include "gateway/base/str.h"

#include <stdint.h>

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
	KG_M_COUNT
} kg_metric;

typedef struct {
	uint64_t v[KG_M_COUNT];
} kg_metrics;

/* Adds one to counter m (m may be NULL: no metrics). */
void kg_metrics_inc(kg_metrics *m, kg_metric which);

/* Appends the Prometheus text exposition of m. */
void kg_metrics_write(kg_buf *b, const kg_metrics *m);

#endif
