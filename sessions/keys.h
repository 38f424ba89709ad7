/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session keys, derived by HKDF-SHA256 from the configured
 * session secret (and from the previous one, for rollover).
 *
 * Each secret gives two independent 256-bit keys: one that encrypts
 * records (AES-256-GCM) and one that turns a cookie into its Redis id
 * (HMAC-SHA256). The keys are wiped by kg_sess_keys_wipe.
 */
#ifndef KG_SESS_KEYS_H
#define KG_SESS_KEYS_H

#include "conf/sessions.h"
#include "gateway/base/err.h"

#include <stdbool.h>

#define KG_SESS_KEY_LEN 32

typedef struct {
	unsigned char record[KG_SESS_KEY_LEN]; /* AES-256-GCM key */
	unsigned char cookie[KG_SESS_KEY_LEN]; /* HMAC key: cookie -> id */
} kg_sess_keyset;

typedef struct {
	kg_sess_keyset current;	 /* writes and reads */
	kg_sess_keyset previous; /* reads only, when has_previous */
	bool has_previous;
} kg_sess_keys;

/* Derives out from conf->secret and conf->previous_secret. Returns
 * KG_ECONFIG when no session secret is configured, KG_EINTERNAL when
 * OpenSSL fails; out is wiped on failure. */
kg_rc kg_sess_keys_derive(const kg_conf_sessions *conf, kg_sess_keys *out,
			  kg_err *err);

/* Overwrites every key in k with zeros (OPENSSL_cleanse). */
void kg_sess_keys_wipe(kg_sess_keys *k);

#endif
