/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session keys, derived by HKDF-SHA256 from the configured
 * session secret (and from the previous one, for rollover).
 *
 * Each secret gives two independent 256-bit keys: one that encrypts
 * records (AES-256-GCM) and one that turns a cookie into its Redis id
 * (HMAC-SHA256). The keys are wiped by kg_sess_keys_wipe.
 *
 * The hot paths do not key OpenSSL per call: a kg_sess_keycache gives
 * each thread its own contexts (kg_sess_keyctx), keyed once on the
 * thread's first use and freed (wiped by OpenSSL) at thread exit or when
 * the cache's pool is cleared.
 */
#ifndef KG_SESS_KEYS_H
#define KG_SESS_KEYS_H

#include "conf/sessions.h"
#include "gateway/base/err.h"

#include <apr_pools.h>
#include <openssl/evp.h>
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

/* One thread's OpenSSL contexts for a kg_sess_keys. */
typedef struct {
	EVP_CIPHER_CTX *seal;	 /* AES-256-GCM encrypt, current record key */
	EVP_CIPHER_CTX *open[2]; /* AES-256-GCM decrypt: current, previous */
	EVP_MAC_CTX *id[2];	 /* HMAC-SHA256 cookie key: current, previous */
	int count;		 /* 2 with a previous secret, else 1 */
} kg_sess_keyctx;

/* Keys every context of out from keys. False when OpenSSL fails; out is
 * then freed. */
bool kg_sess_keyctx_init(kg_sess_keyctx *out, const kg_sess_keys *keys);

/* Frees (and so wipes) every context of k. */
void kg_sess_keyctx_free(kg_sess_keyctx *k);

typedef struct kg_sess_keycache kg_sess_keycache;

/* Makes a per-thread context cache for keys (which must outlive pool) in
 * pool. KG_EINTERNAL when the thread key cannot be made. */
kg_rc kg_sess_keycache_open(apr_pool_t *pool, const kg_sess_keys *keys,
			    kg_sess_keycache **out, kg_err *err);

/* This thread's contexts, keyed on first use; NULL when OpenSSL or
 * memory fails. */
const kg_sess_keyctx *kg_sess_keycache_get(kg_sess_keycache *c);

#endif
