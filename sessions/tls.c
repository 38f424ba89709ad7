/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the OpenSSL client context for Redis and the Sentinels.
 */
#include "sessions/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

struct kg_sess_tls {
	SSL_CTX *ctx;
	const char *server_name;
};

static apr_status_t tls_free(void *data)
{
	kg_sess_tls *t = data;

	SSL_CTX_free(t->ctx);
	return APR_SUCCESS;
}

/* Fails with what OpenSSL said last, after "what path: ". */
static kg_rc tls_fail(kg_err *err, const char *what, const char *path)
{
	unsigned long e = ERR_peek_last_error();
	char reason[256];

	ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	return kg_err_set(err, KG_ECONFIG, "%s %s: %s", what, path,
			  e ? reason : "cannot be used");
}

/* Loads the certificate chain and key for mutual TLS into ctx; the key
 * must be the certificate's. */
static kg_rc client_identity(SSL_CTX *ctx, const kg_conf_sessions *s,
			     kg_err *err)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, s->redis_client_cert) != 1)
		return tls_fail(err, "KeygateRedisClientCert",
				s->redis_client_cert);
	if (SSL_CTX_use_PrivateKey_file(ctx, s->redis_client_key,
					SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return tls_fail(err, "KeygateRedisClientKey",
				s->redis_client_key);
	return KG_OK;
}

kg_rc kg_sess_tls_make(apr_pool_t *pool, const kg_conf_sessions *s,
		       kg_sess_tls **out, kg_err *err)
{
	kg_sess_tls *t = apr_pcalloc(pool, sizeof(*t));

	ERR_clear_error();
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->ctx == NULL)
		return kg_err_set(err, KG_EINTERNAL,
				  "cannot make a TLS context for Redis");
	apr_pool_cleanup_register(pool, t, tls_free, apr_pool_cleanup_null);
	t->server_name = s->redis_server_name;
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
					 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	/* a peer that closes without close_notify has closed: a restart */
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (s->redis_ca_file) {
		if (SSL_CTX_load_verify_locations(t->ctx, s->redis_ca_file,
						  NULL) != 1)
			return tls_fail(err, "KeygateRedisCAFile",
					s->redis_ca_file);
	} else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		return tls_fail(err, "the system CA store for", "Redis");
	}
	if (s->redis_client_cert && client_identity(t->ctx, s, err) != KG_OK)
		return KG_ECONFIG;
	*out = t;
	return KG_OK;
}

const char *kg_sess_tls_server_name(const kg_sess_tls *t)
{
	return t->server_name;
}

void *kg_sess_tls_context(const kg_sess_tls *t)
{
	return t->ctx;
}
