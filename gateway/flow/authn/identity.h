/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the identity the backend sees, and nothing a client forged.
 *
 * kg_identity_scrub runs first, for every request in every keygate
 * location (anonymous and pass-through ones too): it deletes every header
 * that keygate could set, matched without regard to case or to '_' versus
 * '-'. kg_identity_set then writes domino-username and the configured
 * headers; values are made header-safe (see kg_identity_encode).
 */
#ifndef KG_FLOW_AUTHN_IDENTITY_H
#define KG_FLOW_AUTHN_IDENTITY_H

#include "conf/location.h"
#include "gateway/base/user.h"

#include <apr_tables.h>

/* The header Domino reads the username from. */
#define KG_USERNAME_HEADER "domino-username"
#define KG_ANONYMOUS "Anonymous"

/* Deletes from headers every variant of domino-username and of the
 * location's identity headers. Returns how many it deleted. */
int kg_identity_scrub(apr_pool_t *pool, apr_table_t *headers,
		      const kg_conf_location *loc);

/* Sets domino-username (user's username, or Anonymous when user is
 * NULL) and the location's identity headers into out; idp is the
 * provider alias the session came from (the idpbroker source), or NULL
 * (a bearer token: the header is empty). */
void kg_identity_set(apr_pool_t *pool, apr_table_t *out, const kg_user *user,
		     const char *idp, const kg_conf_location *loc);

/* Removes from the Connection headers every token that names a header
 * keygate sets for the backend: domino-username, the location's identity
 * headers (matched without regard to case or to '_' versus '-'), and
 * Authorization. A client's "Connection: close, domino-username" would
 * otherwise make mod_proxy drop the header keygate set, as hop-by-hop
 * (RFC 9110 7.6.1), and the backend would see no identity. Tokens are
 * split on ',' and white space, across every Connection header; the
 * others stay, in one Connection header (none when nothing is left).
 * Returns the removed tokens joined by ',', or NULL when there were
 * none. */
const char *kg_identity_guard_connection(apr_pool_t *pool, apr_table_t *headers,
					 const kg_conf_location *loc);

/* Removes keygate's own cookies (session_cookie and the login-state
 * cookies) from the Cookie headers, so the backend never sees a live
 * session id; the other cookies pass in one Cookie header. */
void kg_identity_strip_cookies(apr_pool_t *pool, apr_table_t *headers,
			       const char *session_cookie);

/* Percent-encodes every byte of value that is a control character, not
 * ASCII, '%' or ',' (the list separator), so a value never splits a
 * header or a list. */
const char *kg_identity_encode(apr_pool_t *pool, const char *value);

#endif
