/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: keeping an OIDC session's tokens fresh (private to gateway/).
 */
#ifndef KG_REFRESH_H
#define KG_REFRESH_H

#include "gateway/gateway_impl.h"

/* Refreshes the tokens of *recp (the session of cookie) when they are
 * due, as at now_ms, under a lock across gateways, reading the record
 * again once the lock is held (*recp may be replaced by that fresher
 * copy). KG_OK: the session goes on, and *written says the caller must
 * not touch (write) its copy now; KG_ENOTFOUND: the provider refused and
 * the session was ended; KG_EBACKEND: Redis is down. */
kg_rc kg_gateway_refresh(kg_gateway *gw, kg_req *req, const kg_log *log,
			 const char *cookie, kg_sess_record **recp,
			 long long now_ms, bool *written, kg_err *err);

#endif
