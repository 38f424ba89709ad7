/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session reaper's thread, one in every gateway process
 * (sessions/reap.h does the work).
 */
#ifndef KG_FLOW_REAPER_H
#define KG_FLOW_REAPER_H

#include "gateway/flow/core/state.h"

/* Starts gw's reaper thread, which ticks every KeygateSessionReapInterval
 * ms until pool is cleared (it stops and joins the thread first). OK
 * without a session store (nothing to reap). */
kg_rc kg_reaper_start(kg_gateway *gw, apr_pool_t *pool, kg_err *err);

#endif
