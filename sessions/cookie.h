/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session cookie: making a value, checking a presented one,
 * turning it into its Redis id, and the Set-Cookie header.
 *
 * A value is 256 random bits, base64url without padding: exactly 43
 * characters of [A-Za-z0-9_-]. A presented value is checked against that
 * shape before anything else sees it, so no attacker byte reaches Redis.
 * The Redis id is HMAC-SHA256(cookie key, value), hex, cut to 128 bits:
 * a Redis dump holds no usable cookie.
 */
#ifndef KG_SESS_COOKIE_H
#define KG_SESS_COOKIE_H

#include "conf/sessions.h"
#include "gateway/base/err.h"

#include <apr_pools.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#define KG_SESS_COOKIE_LEN 43 /* base64url of 32 bytes, no padding */
#define KG_SESS_ID_LEN 32     /* hex of 16 bytes */

/* Writes a fresh cookie value and its NUL into out. KG_EINTERNAL when the
 * random generator fails; out is then all zero. */
kg_rc kg_sess_cookie_new(char out[KG_SESS_COOKIE_LEN + 1], kg_err *err);

/* True when value[0..len) has exactly the shape kg_sess_cookie_new
 * makes. Never reads past len; a NUL inside fails. */
bool kg_sess_cookie_is_valid(const char *value, size_t len);

/* Writes the Redis id of a valid cookie value, and its NUL, into out. */
void kg_sess_cookie_id(const unsigned char key[32], const char *value,
		       char out[KG_SESS_ID_LEN + 1]);

/* A reusable HMAC-SHA256 context keyed once with key, for
 * kg_sess_cookie_id_ctx. NULL when OpenSSL fails. Free with
 * EVP_MAC_CTX_free. One thread at a time may use it. */
EVP_MAC_CTX *kg_sess_cookie_mac_new(const unsigned char key[32]);

/* kg_sess_cookie_id with a context from kg_sess_cookie_mac_new: the same
 * id, without a fetch, a key setup or an allocation of its own. False
 * (out all zero) when OpenSSL fails. */
bool kg_sess_cookie_id_ctx(EVP_MAC_CTX *mac, const char *value,
			   char out[KG_SESS_ID_LEN + 1]);

/* Returns the Set-Cookie header value for value, in pool:
 * NAME=VALUE; Path=/; [Domain=D; ][Max-Age=N; ]HttpOnly; [Secure; ]
 * SameSite=X. Domain is conf's cookie_domain when set; Secure is secure
 * (the caller decides it per request, see KeygateCookieSecure).
 * max_age_s < 0 leaves Max-Age out (a browser-session cookie); 0 clears
 * the cookie (pass "" as value). */
const char *kg_sess_cookie_header(apr_pool_t *pool,
				  const kg_conf_sessions *conf,
				  const char *value, long long max_age_s,
				  bool secure);

#endif
