/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session-count limit decision (DESIGN.md "Decisions" 7).
 *
 * Pure: it gets the counts as data and never calls the store. The Redis
 * script in sessions/scripts.c is the atomic enforcement of exactly this
 * decision; tests/integration holds the two to the same answers.
 */
#ifndef KG_POL_LIMITS_H
#define KG_POL_LIMITS_H

#include "conf/sessions.h"

#include <stdbool.h>

typedef enum {
	KG_POL_LIMIT_ALLOW = 0, /* create; maybe after evictions */
	KG_POL_LIMIT_DENY_USER, /* the user limit refused it */
	KG_POL_LIMIT_DENY_REALM /* the realm limit refused it */
} kg_pol_limit_verdict;

typedef struct {
	kg_pol_limit_verdict verdict;
	long long evict_user;  /* LRU sessions of this user to end first */
	long long evict_realm; /* then LRU sessions of any user to end */
	bool realm_logged;     /* the realm limit was reached, log-only */
	const char *message;   /* on a deny: the configured message or
				  KG_LIMIT_MESSAGE_KEY */
} kg_pol_limit_decision;

/* Decides whether a new session may be created when the user already has
 * user_count live sessions and the realm realm_count (the new one not
 * included), under the limits of its flow. Keycloak's rule: a limit L > 0
 * is reached when count >= L; terminate-oldest ends count - (L - 1)
 * sessions so the new one makes L. The user limit is checked first; the
 * realm limit then sees the realm count less the user evictions. A deny
 * never comes with evictions. Always fills *out. */
void kg_pol_limit_check(const kg_conf_flow_limits *limits, long long user_count,
			long long realm_count, kg_pol_limit_decision *out);

/* The limits a login must meet when it passes two flows (the browser
 * flow and an identity provider's post-login flow, each with its own
 * limits): for the user limit and for the realm limit alike, the
 * stricter of a's and b's (the lower non-zero max; a on a tie; a max of
 * 0 is no limit), with that one's behaviour and message. *from_a_user
 * and *from_a_realm (may be NULL) say whether each half came from a.
 * out may be a. */
void kg_pol_limits_stricter(const kg_conf_flow_limits *a,
			    const kg_conf_flow_limits *b,
			    kg_conf_flow_limits *out, bool *from_a_user,
			    bool *from_a_realm);

/* Returns the stable name of a verdict ("allow", "deny-user", ...). */
const char *kg_pol_limit_verdict_name(kg_pol_limit_verdict v);

#endif
