/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: keeping an OIDC session's tokens fresh (private to gateway/).
 */
#ifndef KG_REFRESH_H
#define KG_REFRESH_H

#include "gateway/gateway_impl.h"

/* Refreshes rec's tokens when they are due, as at now_ms. KG_OK: the
 * session goes on (*saved when rec was rewritten); KG_ENOTFOUND: the
 * provider refused and the session was ended; KG_EBACKEND: Redis is
 * down. */
kg_rc kg_gateway_refresh(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_sess_record *rec, long long now_ms, bool *saved,
			 kg_err *err);

#endif
