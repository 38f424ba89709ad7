/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session-count limit decision. No I/O.
 */
#include "policy/limits.h"

#include <string.h>

/* How many existing sessions must go so that one more stays within max:
 * 0 when max is 0 (no limit) or count < max. */
static long long over_by(long long count, long long max)
{
	if (max <= 0 || count < max)
		return 0;
	return count - (max - 1);
}

static const char *deny_message(const kg_conf_session_limit *limit)
{
	return limit->message ? limit->message : KG_LIMIT_MESSAGE_KEY;
}

void kg_pol_limit_check(const kg_conf_flow_limits *limits, long long user_count,
			long long realm_count, kg_pol_limit_decision *out)
{
	long long user_over = over_by(user_count, limits->user.max);
	long long realm_over;

	memset(out, 0, sizeof(*out));
	if (user_over > 0) {
		if (limits->user.behaviour != KG_LIMIT_TERMINATE_OLDEST) {
			out->verdict = KG_POL_LIMIT_DENY_USER;
			out->message = deny_message(&limits->user);
			return;
		}
		out->evict_user = user_over;
	}
	realm_over = over_by(realm_count - out->evict_user, limits->realm.max);
	if (realm_over == 0)
		return;
	switch (limits->realm.behaviour) {
	case KG_LIMIT_TERMINATE_OLDEST:
		out->evict_realm = realm_over;
		break;
	case KG_LIMIT_LOG_ONLY:
		out->realm_logged = true;
		break;
	case KG_LIMIT_DENY_NEW:
	default:
		out->verdict = KG_POL_LIMIT_DENY_REALM;
		out->evict_user = 0;
		out->message = deny_message(&limits->realm);
		break;
	}
}

const char *kg_pol_limit_verdict_name(kg_pol_limit_verdict v)
{
	static const char *const names[] = {"allow", "deny-user", "deny-realm"};
	return (unsigned)v <= KG_POL_LIMIT_DENY_REALM ? names[v] : "unknown";
}

/* The stricter of two limits: true when a is (or b sets none). */
static bool a_is_stricter(const kg_conf_session_limit *a,
			  const kg_conf_session_limit *b)
{
	return b->max <= 0 || (a->max > 0 && a->max <= b->max);
}

void kg_pol_limits_stricter(const kg_conf_flow_limits *a,
			    const kg_conf_flow_limits *b,
			    kg_conf_flow_limits *out, bool *from_a_user,
			    bool *from_a_realm)
{
	bool user_a = a_is_stricter(&a->user, &b->user);
	bool realm_a = a_is_stricter(&a->realm, &b->realm);
	kg_conf_flow_limits r = {user_a ? a->user : b->user,
				 realm_a ? a->realm : b->realm};

	*out = r;
	if (from_a_user)
		*from_a_user = user_a;
	if (from_a_realm)
		*from_a_realm = realm_a;
}
