/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway's state, shared by the files of flow/ (private to
 * flow/), and the process-wide helpers every flow folder uses.
 */
#ifndef KG_FLOW_CORE_STATE_H
#define KG_FLOW_CORE_STATE_H

#include "gateway/flow/process/bearer_users.h"
#include "gateway/flow/core/types.h"
#include "gateway/flow/process/mappers_live.h"
#include "gateway/base/metrics.h"
#include "gateway/proto/jose/app.h"
#include "gateway/proto/oidc/bearer.h"
#include "gateway/proto/oidc/oidc.h"
#include "gateway/proto/saml/saml.h"
#include "gateway/flow/process/metadata_refresh.h"
#include "policy/timeouts.h"
#include "sessions/store.h"

/* A session job (core/jobs.h). */
typedef struct kg_job kg_job;
#define KG_JOBS_MAX 4

struct kg_gateway {
	apr_pool_t *pool;
	const kg_conf *conf;
	kg_log log;		  /* the process's sink; components keep &log */
	kg_mappers_live *mappers; /* NULL without KeygateMappers */
	kg_sess_store *store;
	kg_pol_timeouts timeouts;
	apr_array_header_t *oidc; /* kg_oidc *, one per KeygateOIDCProvider,
				     parallel to conf->oidc.providers */
	apr_array_header_t *saml; /* kg_saml *, one per KeygateSAMLProvider,
				     in conf order */
	apr_array_header_t *saml_refresh; /* kg_metadata_refresh *, parallel to
					     saml; NULL without
					     KeygateSAMLMetadataRefresh */
	kg_oidc_bearer *jwt;		  /* NULL without KeygateBearerIssuer */
	kg_bearer_users *bearer_users;	  /* what warm tokens mapped to, and
					     revocation answers */
	kg_metrics *metrics;		  /* NULL: not counted */
	kg_app_signer *app_signer;	  /* NULL without KeygateAppJWTKey */
	const kg_job *jobs[KG_JOBS_MAX];  /* run on every session, in order */
	int njobs;
	long long outage_logged_s;   /* last second an outage line was logged */
	long long outage_suppressed; /* lines not logged since */
};

/* Logs a request refused because Redis is down: at most one line per
 * second per process (with how many were not logged), so an outage under
 * load does not flood the error log. */
void kg_state_log_outage(kg_gateway *gw, const kg_log *log, const char *detail);

/* The SAML provider named alias, or NULL; refreshes its IdP metadata
 * first when that is due (KeygateSAMLMetadataRefresh). */
kg_saml *kg_state_saml(kg_gateway *gw, const char *alias);

/* The OIDC provider named alias, or for alias NULL the first one
 * declared (the one PREFIX oidc/callback and oidc/backchannel serve);
 * NULL when there is no such provider. *conf (may be NULL) receives its
 * settings. */
kg_oidc *kg_state_oidc(kg_gateway *gw, const char *alias,
		       const kg_conf_oidc **conf);

/* Now, in milliseconds since the epoch. */
long long kg_state_now_ms(void);

/* An endpoint's handler: alias is the provider alias its path names (the
 * route's '*'), or NULL. It sets resp. */
typedef void kg_handler(kg_gateway *gw, kg_req *req, const char *alias,
			const kg_log *log, kg_resp *resp);

#endif
