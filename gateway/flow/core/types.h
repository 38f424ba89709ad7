/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the types the flow's public face (flow/gateway.h) and its
 * folders share: the gateway (opaque outside flow/), its start-time keys,
 * and the caller an authentication found.
 */
#ifndef KG_FLOW_CORE_TYPES_H
#define KG_FLOW_CORE_TYPES_H

#include "conf/conf.h"
#include "conf/location.h"
#include "gateway/base/http.h"
#include "gateway/base/log.h"
#include "gateway/base/user.h"

typedef struct kg_gateway kg_gateway;

/* What must be read while the server still runs as root (private keys),
 * before the children drop privileges and fork. */
typedef struct kg_gateway_keys kg_gateway_keys;

/* Who made a request, once authenticated. */
typedef struct {
	const kg_user *user;	/* NULL for Anonymous */
	const char *via;	/* "session", "bearer" or "anonymous" */
	long long auth_ms;	/* when the caller authenticated */
	const char *session;	/* a non-secret reference to the session */
	const char *session_id; /* the session's id (never logged; the app
				   token hashes it), or NULL */
	const char *idp;	/* the provider alias the session came from,
				   or NULL */
} kg_caller;

#endif
