/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: SAML single logout messages, as plain data, and the checks
 * keygate makes on them after lasso has verified the signature.
 *
 * gateway/proto/saml/slo_receive.c reads a LogoutRequest or
 * LogoutResponse into a kg_saml_logout_msg; kg_saml_logout_check decides
 * whether it may act on it. Pure: no lasso, no I/O.
 */
#ifndef KG_PROTO_SAML_SLO_CHECK_H
#define KG_PROTO_SAML_SLO_CHECK_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stdbool.h>

/* A received LogoutRequest or LogoutResponse (strings as the message
 * carries them; NULL when absent). */
typedef struct {
	bool is_request; /* LogoutRequest; else LogoutResponse */
	const char *id;
	const char *issuer;
	const char *destination;
	const char *issue_instant;
	const char *not_on_or_after; /* requests */
	const char *name_id;	     /* requests */
	const char *name_id_format;  /* requests */
	const char *session_index;   /* requests: the first, or NULL */
	int session_indexes;	     /* requests: how many */
	const char *in_response_to;  /* responses */
	const char *status;	     /* responses: the top StatusCode */
} kg_saml_logout_msg;

/* How old an IssueInstant may be (beyond the skew). */
#define KG_SAML_SLO_MAX_AGE_MS (10LL * 60 * 1000)

/* KG_OK when m may be acted on: it names idp_entity_id as Issuer, slo_url
 * as Destination, its IssueInstant lies within the skew of now_ms (and
 * is at most KG_SAML_SLO_MAX_AGE_MS old), a request's NotOnOrAfter has
 * not passed and it names a NameID, a response answers something. Else
 * KG_EINVAL with *reason a stable token (saml_issuer, saml_destination,
 * saml_time, saml_parse, slo_nameid, saml_inresponseto) and err saying
 * why, quoting no identifier. */
kg_rc kg_saml_logout_check(const kg_saml_logout_msg *m,
			   const char *idp_entity_id, const char *slo_url,
			   long long now_ms, long long skew_ms,
			   const char **reason, kg_err *err);

/* True when a SAMLResponse form value (base64) holds a LogoutResponse
 * (by its root element's name), for routing at Keycloak's broker
 * endpoint, which takes login Responses and LogoutResponses alike. Only
 * routes: the message is verified where it goes. */
bool kg_saml_is_logout_response(apr_pool_t *pool, const char *b64);

/* True when a LogoutResponse's status is Success. */
bool kg_saml_logout_success(const kg_saml_logout_msg *m);

#endif
