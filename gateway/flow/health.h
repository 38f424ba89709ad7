/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: liveness, health and readiness endpoints for probes and
 * humans.
 */
#ifndef KG_FLOW_HEALTH_H
#define KG_FLOW_HEALTH_H

#include "gateway/flow/core/state.h"

/* GET live: 200 "ok" whenever this process answers; it asks nothing
 * else, so a Redis or provider outage never restarts a gateway. */
kg_handler kg_health_live;

/* GET health: 200 when the session store answers, else 503 (the
 * readiness of earlier versions, kept for existing probes). */
kg_handler kg_health_redis;

/* GET ready: JSON about Redis, the mapper file and each provider's
 * metadata and JWKS; 200 when ready, 503 when not (Redis unreachable,
 * or an OIDC provider whose discovery document was never fetched). */
kg_handler kg_health_ready;

#endif
