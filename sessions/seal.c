/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AES-256-GCM sealing of session records (OpenSSL EVP). The
 * contexts are keyed once and reused; only the nonce changes per record.
 */
#include "sessions/seal.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#define SEAL_VERSION 0x01
#define NONCE_LEN 12
#define TAG_LEN 16

EVP_CIPHER_CTX *kg_sess_gcm_new(const unsigned char key[32], bool encrypt)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx == NULL)
		return NULL;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
			      encrypt) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) ==
		    1 &&
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, encrypt) == 1)
		return ctx;
	EVP_CIPHER_CTX_free(ctx);
	return NULL;
}

/* Runs one GCM pass over in[0..len) into out with aad, on a keyed
 * context (the nonce restarts it); on decryption the tag is checked, on
 * encryption it is written. Returns false on any failure, including a
 * tag mismatch. */
static bool gcm(EVP_CIPHER_CTX *ctx, bool encrypt, const unsigned char *nonce,
		const char *aad, const unsigned char *in, size_t len,
		unsigned char *out, unsigned char *tag)
{
	int n = 0, fin = 0;
	bool ok;

	ok = EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, encrypt) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)aad,
			      (int)strlen(aad)) == 1 &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1;
	if (ok && !encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
					 tag) == 1;
	ok = ok && EVP_CipherFinal_ex(ctx, out + n, &fin) == 1;
	if (ok && encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
					 tag) == 1;
	return ok;
}

kg_rc kg_sess_seal_ctx(apr_pool_t *pool, EVP_CIPHER_CTX *enc, const char *aad,
		       const void *plain, size_t len, unsigned char **out,
		       size_t *out_len, kg_err *err)
{
	size_t total = KG_SESS_SEAL_OVERHEAD + len;
	unsigned char *buf, *nonce, *body;

	if (len > (size_t)0x7fffffff)
		return kg_err_set(err, KG_EINVAL, "record too large to seal");
	buf = apr_palloc(pool, total);
	nonce = buf + 1;
	body = buf + 1 + NONCE_LEN;
	buf[0] = SEAL_VERSION;
	if (RAND_bytes(nonce, NONCE_LEN) != 1)
		return kg_err_set(err, KG_EINTERNAL, "random generator failed");
	if (enc == NULL ||
	    !gcm(enc, true, nonce, aad, plain, len, body, body + len))
		return kg_err_set(err, KG_EINTERNAL,
				  "AES-256-GCM encryption failed");
	*out = buf;
	*out_len = total;
	return KG_OK;
}

kg_rc kg_sess_unseal_ctx(apr_pool_t *pool, EVP_CIPHER_CTX *dec, const char *aad,
			 const unsigned char *sealed, size_t len, char **plain,
			 size_t *plain_len, kg_err *err)
{
	size_t body_len;
	unsigned char *buf, tag[TAG_LEN];

	if (len < KG_SESS_SEAL_OVERHEAD || sealed[0] != SEAL_VERSION ||
	    len > (size_t)0x7fffffff)
		return kg_err_set(err, KG_EAUTH, "sealed record malformed");
	body_len = len - KG_SESS_SEAL_OVERHEAD;
	buf = apr_palloc(pool, body_len + 1);
	memcpy(tag, sealed + len - TAG_LEN, TAG_LEN);
	if (dec == NULL || !gcm(dec, false, sealed + 1, aad,
				sealed + 1 + NONCE_LEN, body_len, buf, tag)) {
		OPENSSL_cleanse(buf, body_len);
		return kg_err_set(err, KG_EAUTH,
				  "sealed record failed authentication");
	}
	buf[body_len] = '\0';
	*plain = (char *)buf;
	*plain_len = body_len;
	return KG_OK;
}

kg_rc kg_sess_seal(apr_pool_t *pool, const unsigned char key[32],
		   const char *aad, const void *plain, size_t len,
		   unsigned char **out, size_t *out_len, kg_err *err)
{
	EVP_CIPHER_CTX *ctx = kg_sess_gcm_new(key, true);
	kg_rc rc =
		kg_sess_seal_ctx(pool, ctx, aad, plain, len, out, out_len, err);

	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

kg_rc kg_sess_unseal(apr_pool_t *pool, const unsigned char key[32],
		     const char *aad, const unsigned char *sealed, size_t len,
		     char **plain, size_t *plain_len, kg_err *err)
{
	EVP_CIPHER_CTX *ctx = kg_sess_gcm_new(key, false);
	kg_rc rc = kg_sess_unseal_ctx(pool, ctx, aad, sealed, len, plain,
				      plain_len, err);

	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
