/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: HKDF-SHA256 key derivation for sessions (OpenSSL EVP_KDF).
 */
#include "sessions/keys.h"
#include "sessions/cookie.h"
#include "sessions/seal.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdlib.h>
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

void kg_sess_keyctx_free(kg_sess_keyctx *k)
{
	EVP_CIPHER_CTX_free(k->seal);
	for (int i = 0; i < 2; i++) {
		EVP_CIPHER_CTX_free(k->open[i]);
		EVP_MAC_CTX_free(k->id[i]);
	}
	memset(k, 0, sizeof(*k));
}

bool kg_sess_keyctx_init(kg_sess_keyctx *out, const kg_sess_keys *keys)
{
	const kg_sess_keyset *sets[2] = {&keys->current, &keys->previous};

	memset(out, 0, sizeof(*out));
	out->count = keys->has_previous ? 2 : 1;
	out->seal = kg_sess_gcm_new(keys->current.record, true);
	if (out->seal == NULL)
		goto out_free;
	for (int i = 0; i < out->count; i++) {
		out->open[i] = kg_sess_gcm_new(sets[i]->record, false);
		out->id[i] = kg_sess_cookie_mac_new(sets[i]->cookie);
		if (out->open[i] == NULL || out->id[i] == NULL)
			goto out_free;
	}
	return true;

out_free:
	kg_sess_keyctx_free(out);
	return false;
}

/* One thread's contexts, on the cache's list. */
typedef struct node {
	kg_sess_keyctx ctx;
	kg_sess_keycache *owner;
	struct node *prev, *next;
} node;

struct kg_sess_keycache {
	const kg_sess_keys *keys;
	pthread_key_t key;
	pthread_mutex_t lock; /* guards the list; taken once per thread */
	node *all;
};

/* Unlinks and frees n: at thread exit (the key's destructor) or at
 * close. */
static void node_free(void *data)
{
	node *n = data;
	kg_sess_keycache *c = n->owner;

	pthread_mutex_lock(&c->lock);
	if (n->prev)
		n->prev->next = n->next;
	else
		c->all = n->next;
	if (n->next)
		n->next->prev = n->prev;
	pthread_mutex_unlock(&c->lock);
	kg_sess_keyctx_free(&n->ctx);
	free(n);
}

static apr_status_t keycache_close(void *data)
{
	kg_sess_keycache *c = data;

	pthread_key_delete(c->key);
	while (c->all)
		node_free(c->all);
	pthread_mutex_destroy(&c->lock);
	return APR_SUCCESS;
}

kg_rc kg_sess_keycache_open(apr_pool_t *pool, const kg_sess_keys *keys,
			    kg_sess_keycache **out, kg_err *err)
{
	kg_sess_keycache *c = apr_pcalloc(pool, sizeof(*c));

	c->keys = keys;
	if (pthread_key_create(&c->key, node_free) != 0)
		return kg_err_set(err, KG_EINTERNAL,
				  "cannot make a thread key for the session "
				  "keys");
	pthread_mutex_init(&c->lock, NULL);
	apr_pool_cleanup_register(pool, c, keycache_close,
				  apr_pool_cleanup_null);
	*out = c;
	return KG_OK;
}

const kg_sess_keyctx *kg_sess_keycache_get(kg_sess_keycache *c)
{
	node *n = pthread_getspecific(c->key);

	if (n)
		return &n->ctx;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	if (!kg_sess_keyctx_init(&n->ctx, c->keys)) {
		free(n);
		return NULL;
	}
	n->owner = c;
	pthread_mutex_lock(&c->lock);
	n->next = c->all;
	if (c->all)
		c->all->prev = n;
	c->all = n;
	pthread_mutex_unlock(&c->lock);
	if (pthread_setspecific(c->key, n) != 0) {
		node_free(n);
		return NULL;
	}
	return &n->ctx;
}
