/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: session timeouts. No I/O apart from reading the system clock
 * when no clock is injected.
 */
#include "policy/timeouts.h"

#include <time.h>

long long kg_pol_clock_now(const kg_pol_clock *clock)
{
	struct timespec ts;

	if (clock && clock->now_ms)
		return clock->now_ms(clock->baton);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kg_pol_timeouts_from_conf(const kg_conf_sessions *conf,
			       kg_pol_timeouts *out)
{
	long long idle = conf->sso_idle_s;

	if (conf->idle_timeout_s > 0 &&
	    (idle == 0 || conf->idle_timeout_s < idle))
		idle = conf->idle_timeout_s;
	out->idle_ms = idle * 1000;
	out->max_ms = conf->sso_max_s * 1000;
}

long long kg_pol_timeouts_deadline(long long last_access_ms, long long idle_ms,
				   long long expires_ms)
{
	if (idle_ms > 0 && last_access_ms + idle_ms < expires_ms)
		return last_access_ms + idle_ms;
	return expires_ms;
}

kg_pol_session_state kg_pol_timeouts_check(long long last_access_ms,
					   long long idle_ms,
					   long long expires_ms,
					   long long now_ms)
{
	if (now_ms >= expires_ms)
		return KG_POL_SESSION_MAX_EXPIRED;
	if (idle_ms > 0 && now_ms >= last_access_ms + idle_ms)
		return KG_POL_SESSION_IDLE_EXPIRED;
	return KG_POL_SESSION_LIVE;
}

const char *kg_pol_session_state_name(kg_pol_session_state s)
{
	static const char *const names[] = {"live", "idle-expired",
					    "max-expired"};
	return (unsigned)s <= KG_POL_SESSION_MAX_EXPIRED ? names[s] : "unknown";
}
