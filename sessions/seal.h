/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: authenticated encryption of session records at rest.
 *
 * AES-256-GCM with a fresh random 96-bit nonce for every seal. The sealed
 * form is: version byte 0x01 | nonce (12) | ciphertext | tag (16). The
 * associated data binds a record to its Redis id, so a record copied to
 * another key does not open.
 */
#ifndef KG_SESS_SEAL_H
#define KG_SESS_SEAL_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#define KG_SESS_SEAL_OVERHEAD (1 + 12 + 16)

/* Encrypts plain[0..len) under key with associated data aad. *out (in
 * pool) and *out_len are set only on success. KG_EINTERNAL when the
 * random generator or the cipher fails. */
kg_rc kg_sess_seal(apr_pool_t *pool, const unsigned char key[32],
		   const char *aad, const void *plain, size_t len,
		   unsigned char **out, size_t *out_len, kg_err *err);

/* Decrypts and authenticates sealed[0..len). On success *plain (in pool,
 * NUL-terminated) and *plain_len are set. A wrong version, a short
 * input, a wrong key or any changed byte is KG_EAUTH; nothing is
 * returned then. */
kg_rc kg_sess_unseal(apr_pool_t *pool, const unsigned char key[32],
		     const char *aad, const unsigned char *sealed, size_t len,
		     char **plain, size_t *plain_len, kg_err *err);

/* A reusable AES-256-GCM context keyed once with key, for encrypt (true)
 * or decrypt: the key schedule and the cipher fetch happen here, not per
 * record. NULL when OpenSSL fails. Free with EVP_CIPHER_CTX_free (which
 * wipes the key schedule). One thread at a time may use it. */
EVP_CIPHER_CTX *kg_sess_gcm_new(const unsigned char key[32], bool encrypt);

/* kg_sess_seal with a context from kg_sess_gcm_new(key, true); each call
 * still draws a fresh random nonce. */
kg_rc kg_sess_seal_ctx(apr_pool_t *pool, EVP_CIPHER_CTX *enc, const char *aad,
		       const void *plain, size_t len, unsigned char **out,
		       size_t *out_len, kg_err *err);

/* kg_sess_unseal with a context from kg_sess_gcm_new(key, false). */
kg_rc kg_sess_unseal_ctx(apr_pool_t *pool, EVP_CIPHER_CTX *dec, const char *aad,
			 const unsigned char *sealed, size_t len, char **plain,
			 size_t *plain_len, kg_err *err);

#endif
