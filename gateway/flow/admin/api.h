/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the admin JSON API under PREFIX admin/ (private to flow/):
 *   GET    admin/users/USER             the user: active, sessions
 *   POST   admin/users/USER/deactivate  deactivate (admin.h)
 *   POST   admin/users/USER/reactivate  reactivate
 *   GET    admin/sessions[?user=USER]   live sessions
 *   DELETE admin/sessions/ID            end one (ID: 8+ characters)
 * The binding hands a request on only once httpd authenticated it with
 * AuthType keygate and authorized it with a Require rule the admin wrote
 * for the location; without one it is 403 (KG-0725), never open.
 *
 * CSRF: a state-changing call must be POST or DELETE, a POST must carry
 * Content-Type application/json (a form or text/plain post from another
 * site cannot), and an Origin or Sec-Fetch-Site header, when sent, must
 * say the same origin. Refusals are KG-0725 warnings in the audit form
 * (AUDIT event="Admin API Refused" actor= target=); answered reads are
 * KG-0750 audit lines.
 */
#ifndef KG_FLOW_ADMIN_API_H
#define KG_FLOW_ADMIN_API_H

#include "gateway/flow/core/state.h"

/* Answers the admin call sub (the path after PREFIX admin/) by actor
 * (the authenticated admin's username). */
void kg_admin_api(kg_gateway *gw, kg_req *req, const char *sub,
		  const char *actor, const kg_log *log, kg_resp *resp);

#endif
