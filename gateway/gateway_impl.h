/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway's state, shared by the files of gateway/ that
 * implement it (private).
 */
#ifndef KG_GATEWAY_IMPL_H
#define KG_GATEWAY_IMPL_H

#include "gateway/bearer_users.h"
#include "gateway/gateway.h"
#include "gateway/mappers_live.h"
#include "gateway/metrics.h"
#include "gateway/proto/app_jwt.h"
#include "gateway/proto/jwt.h"
#include "gateway/proto/oidc.h"
#include "gateway/proto/saml.h"
#include "gateway/revocation_cache.h"
#include "gateway/saml_refresh.h"
#include "policy/timeouts.h"
#include "sessions/store.h"

struct kg_gateway {
	apr_pool_t *pool;
	const kg_conf *conf;
	kg_log log; /* the process's sink; components keep &log */
	kg_mappers_live *mappers; /* NULL without KeygateMappers */
	kg_sess_store *store;
	kg_pol_timeouts timeouts;
	kg_oidc *oidc;	     /* NULL without KeygateOIDCProvider */
	apr_array_header_t *saml; /* kg_saml *, one per KeygateSAMLProvider,
				     in conf order */
	apr_array_header_t *saml_refresh; /* kg_saml_refresh *, parallel to
					     saml; NULL without
					     KeygateSAMLMetadataRefresh */
	kg_jwt_verifier *jwt; /* NULL without KeygateBearerIssuer */
	kg_revocation_cache *revocations;
	kg_bearer_users *bearer_users; /* what warm tokens mapped to */
	kg_metrics *metrics; /* NULL: not counted */
	kg_app_signer *app_signer; /* NULL without KeygateAppJWTKey */
	long long outage_logged_s; /* last second an outage line was logged */
	long long outage_suppressed; /* lines not logged since */
};

/* Logs a request refused because Redis is down: at most one line per
 * second per process (with how many were not logged), so an outage under
 * load does not flood the error log. */
void kg_gateway_log_outage(kg_gateway *gw, const kg_log *log,
			   const char *detail);

/* The SAML provider named alias, or NULL; refreshes its IdP metadata
 * first when that is due (KeygateSAMLMetadataRefresh). */
kg_saml *kg_gateway_saml(kg_gateway *gw, const char *alias);

/* Now, in milliseconds since the epoch. */
long long kg_gateway_now_ms(void);

/* An API call with "Authorization: Bearer token" (bearer.c): on
 * KG_RESP_CONTINUE *caller is the token's mapped user; otherwise resp is
 * the refusal (401, 403, or 503 when Redis is down). */
void kg_gateway_authenticate_bearer(kg_gateway *gw,
				    const kg_conf_location *loc, kg_req *req,
				    const char *token, const kg_log *log,
				    kg_resp *resp, kg_caller *caller);

/* The session cookie presented with req, loaded and checked against the
 * timeouts (an expired one is deleted). KG_ENOTFOUND when there is none
 * or it is no longer valid; KG_EBACKEND when Redis is down. */
kg_rc kg_gateway_session(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_sess_record **out, kg_err *err);

#endif
