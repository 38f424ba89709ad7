/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: session timeouts (DESIGN.md "Decisions" 8): the SSO session
 * idle (30 min) and max (60 days), and Domino's idle timeout (0 = off).
 *
 * Pure: times are milliseconds since the epoch, handed in as data or read
 * from an injectable clock. The effective idle window is the shorter of
 * the SSO idle and Domino's idle timeout, ignoring any that is off.
 * keygate does not add Keycloak's 120 s idle grace window
 * (IDLE_TIMEOUT_WINDOW_SECONDS): that exists to absorb cluster
 * replication lag, and here every replica reads one Redis.
 */
#ifndef KG_POL_TIMEOUTS_H
#define KG_POL_TIMEOUTS_H

#include "conf/sessions.h"

#include <stdbool.h>

/* A clock: now_ms returns milliseconds since the epoch. Tests install a
 * fake one; NULL means the system clock. */
typedef struct {
	long long (*now_ms)(void *baton);
	void *baton;
} kg_pol_clock;

/* Returns the time of clock, or of the system clock when clock or its
 * function is NULL. */
long long kg_pol_clock_now(const kg_pol_clock *clock);

/* The windows a new session gets, in milliseconds. */
typedef struct {
	long long idle_ms; /* 0: no idle timeout */
	long long max_ms;  /* > 0 */
} kg_pol_timeouts;

/* Fills out from the settings. */
void kg_pol_timeouts_from_conf(const kg_conf_sessions *conf,
			       kg_pol_timeouts *out);

typedef enum {
	KG_POL_SESSION_LIVE = 0,
	KG_POL_SESSION_IDLE_EXPIRED, /* unused for longer than idle_ms */
	KG_POL_SESSION_MAX_EXPIRED   /* older than its absolute expiry */
} kg_pol_session_state;

/* Decides whether a session last used at last_access_ms, with idle window
 * idle_ms (0: none) and absolute expiry expires_ms, is still live at
 * now_ms. A session is expired at the very millisecond of its deadline.
 * The absolute expiry wins when both have passed. */
kg_pol_session_state kg_pol_timeouts_check(long long last_access_ms,
					   long long idle_ms,
					   long long expires_ms,
					   long long now_ms);

/* Returns the earlier of the idle deadline (last_access_ms + idle_ms, when
 * idle_ms > 0) and expires_ms: the moment the session ends unless it is
 * touched. */
long long kg_pol_timeouts_deadline(long long last_access_ms, long long idle_ms,
				   long long expires_ms);

/* Returns the stable name of a state ("live", "idle-expired", ...). */
const char *kg_pol_session_state_name(kg_pol_session_state s);

#endif
