/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the public origin a request came to, and whether the cookies
 * keygate sets in answer carry Secure.
 *
 * With KeygateBaseURL the origin is fixed. Without it, it is each
 * request's: the scheme, host and port the binding put in kg_req, which
 * are a trusted proxy's X-Forwarded-Proto and X-Forwarded-Host
 * (forwarded.h) or httpd's own view of the request. An untrusted
 * sender's X-Forwarded-* never gets this far.
 */
#ifndef KG_FLOW_CORE_ORIGIN_H
#define KG_FLOW_CORE_ORIGIN_H

#include "gateway/flow/core/state.h"

#include <stdbool.h>

/* "https://host[:port]" with no path: KeygateBaseURL, or req's scheme,
 * host and port (the port left out when it is the scheme's default or
 * 0). In req's pool (or conf's, for the base URL). */
const char *kg_origin(const kg_gateway *gw, const kg_req *req);

/* Whether cookies set in answer to req carry Secure: KeygateCookieSecure
 * On or Off, or with Auto (the default) whether kg_origin is https. */
bool kg_origin_cookie_secure(const kg_gateway *gw, const kg_req *req);

/* The realm's URL, the app tokens' iss and the realm endpoints' base:
 * KeygateAppJWTIssuer, else ORIGIN/auth/realms/REALM (KeygateRealm),
 * else (KeygateRealm Off) the origin. In req's pool. */
const char *kg_origin_realm_url(const kg_gateway *gw, const kg_req *req);

#endif
