/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: HKDF-SHA256 key derivation for sessions (OpenSSL EVP_KDF).
 */
#include "sessions/keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

/* The salt names the scheme, so a change of scheme changes every key. */
static const char kdf_salt[] = "keygate-session-v1";

/* Derives KG_SESS_KEY_LEN bytes for purpose info from secret into out.
 * Returns false when OpenSSL fails. */
static bool hkdf(const kg_conf_secret *secret, const char *info,
		 unsigned char out[KG_SESS_KEY_LEN])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5];
	bool ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(
		OSSL_KDF_PARAM_KEY, (void *)secret->bytes, secret->len);
	params[2] = OSSL_PARAM_construct_octet_string(
		OSSL_KDF_PARAM_SALT, (void *)kdf_salt, sizeof(kdf_salt) - 1);
	params[3] = OSSL_PARAM_construct_octet_string(
		OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
	params[4] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, out, KG_SESS_KEY_LEN, params) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok;
}

static bool derive_set(const kg_conf_secret *secret, kg_sess_keyset *out)
{
	return hkdf(secret, "record-aes-256-gcm", out->record) &&
	       hkdf(secret, "cookie-id-hmac-sha256", out->cookie);
}

kg_rc kg_sess_keys_derive(const kg_conf_sessions *conf, kg_sess_keys *out,
			  kg_err *err)
{
	memset(out, 0, sizeof(*out));
	if (conf->secret.bytes == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "KeygateSessionSecret is not set");
	if (!derive_set(&conf->secret, &out->current))
		goto out_wipe;
	if (conf->previous_secret.bytes) {
		if (!derive_set(&conf->previous_secret, &out->previous))
			goto out_wipe;
		out->has_previous = true;
	}
	return KG_OK;

out_wipe:
	kg_sess_keys_wipe(out);
	return kg_err_set(err, KG_EINTERNAL, "HKDF key derivation failed");
}

void kg_sess_keys_wipe(kg_sess_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}
