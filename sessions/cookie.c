/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session cookie value, its Redis id and its attributes.
 */
#include "sessions/cookie.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#define COOKIE_RAW_LEN 32

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Base64url-encodes in[0..len) without padding into out (NUL added). */
static void b64url_encode(const unsigned char *in, size_t len, char *out)
{
	size_t o = 0;
	unsigned int acc = 0;
	int bits = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64url[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = b64url[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
}

kg_rc kg_sess_cookie_new(char out[KG_SESS_COOKIE_LEN + 1], kg_err *err)
{
	unsigned char raw[COOKIE_RAW_LEN];

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		memset(out, 0, KG_SESS_COOKIE_LEN + 1);
		return kg_err_set(err, KG_EINTERNAL, "random generator failed");
	}
	b64url_encode(raw, sizeof(raw), out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return KG_OK;
}

bool kg_sess_cookie_is_valid(const char *value, size_t len)
{
	if (value == NULL || len != KG_SESS_COOKIE_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = value[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	/* 43 characters carry 258 bits: the last one may only use the top
	 * four of its six, as the encoder never sets the low two */
	return (strchr(b64url, value[len - 1]) - b64url) % 4 == 0;
}

/* Writes the hex of the first KG_SESS_ID_LEN / 2 bytes of mac. */
static void id_hex(const unsigned char *mac, char out[KG_SESS_ID_LEN + 1])
{
	kg_hex(mac, KG_SESS_ID_LEN / 2, out);
}

void kg_sess_cookie_id(const unsigned char key[32], const char *value,
		       char out[KG_SESS_ID_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	HMAC(EVP_sha256(), key, 32, (const unsigned char *)value, strlen(value),
	     mac, &mac_len);
	id_hex(mac, out);
}

EVP_MAC_CTX *kg_sess_cookie_mac_new(const unsigned char key[32])
{
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	OSSL_PARAM params[2];

	EVP_MAC_free(hmac); /* ctx keeps its own reference */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx && EVP_MAC_init(ctx, key, 32, params) == 1)
		return ctx;
	EVP_MAC_CTX_free(ctx);
	return NULL;
}

bool kg_sess_cookie_id_ctx(EVP_MAC_CTX *mac, const char *value,
			   char out[KG_SESS_ID_LEN + 1])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	size_t digest_len = 0;

	/* init without a key restarts the HMAC with the key it has */
	if (mac == NULL || EVP_MAC_init(mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(mac, (const unsigned char *)value, strlen(value)) !=
		    1 ||
	    EVP_MAC_final(mac, digest, &digest_len, sizeof(digest)) != 1 ||
	    digest_len < KG_SESS_ID_LEN / 2) {
		memset(out, 0, KG_SESS_ID_LEN + 1);
		return false;
	}
	id_hex(digest, out);
	return true;
}

const char *kg_sess_cookie_header(apr_pool_t *pool,
				  const kg_conf_sessions *conf,
				  const char *value, long long max_age_s,
				  bool secure)
{
	char max_age[40] = "";

	if (max_age_s >= 0)
		snprintf(max_age, sizeof(max_age), "Max-Age=%lld; ", max_age_s);
	return apr_pstrcat(pool, conf->cookie_name, "=", value, "; Path=/; ",
			   conf->cookie_domain ? "Domain=" : "",
			   conf->cookie_domain ? conf->cookie_domain : "",
			   conf->cookie_domain ? "; " : "", max_age,
			   "HttpOnly; ", secure ? "Secure; " : "",
			   "SameSite=", conf->cookie_samesite, NULL);
}
