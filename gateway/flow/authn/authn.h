/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: who is calling: a session cookie or a bearer token, checked
 * (private to flow/). Redis down is a 503, never a pass.
 */
#ifndef KG_FLOW_AUTHN_AUTHN_H
#define KG_FLOW_AUTHN_AUTHN_H

#include "gateway/flow/core/state.h"

/* Authenticates req for location loc: sets *caller, or sets resp to the
 * location's answer for an unauthenticated caller (a login redirect, a
 * 401) or to the refusal. flow/gateway.h's kg_gateway_authenticate. */
void kg_authn_request(kg_gateway *gw, const kg_conf_location *loc, kg_req *req,
		      const kg_log *log, kg_resp *resp, kg_caller *caller);

/* An API call with "Authorization: Bearer token" (bearer.c): on
 * KG_RESP_CONTINUE *caller is the token's mapped user; otherwise resp is
 * the refusal (401, 403, or 503 when Redis is down). */
void kg_authn_bearer(kg_gateway *gw, const kg_conf_location *loc, kg_req *req,
		     const char *token, const kg_log *log, kg_resp *resp,
		     kg_caller *caller);

/* The session cookie presented with req, loaded and checked against the
 * timeouts (an expired one is deleted). KG_ENOTFOUND when there is none
 * or it is no longer valid; KG_EBACKEND when Redis is down. */
kg_rc kg_authn_session(kg_gateway *gw, kg_req *req, const kg_log *log,
		       kg_sess_record **out, kg_err *err);

#endif
