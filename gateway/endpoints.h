/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: helpers the endpoint handlers share (private to gateway/).
 */
#ifndef KG_ENDPOINTS_H
#define KG_ENDPOINTS_H

#include "gateway/gateway_impl.h"

/* The decoded value of query parameter name, or NULL (also when it is
 * malformed). */
const char *kg_endpoint_param(const kg_req *req, const char *name);

/* The OIDC endpoints (login_oidc.c). */
void kg_endpoint_login(kg_gateway *gw, kg_req *req, const kg_log *log,
		       kg_resp *resp);
void kg_endpoint_oidc_callback(kg_gateway *gw, kg_req *req,
			       const kg_log *log, kg_resp *resp);

#endif
