/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the TLS settings for Redis and the Sentinels, loaded once.
 *
 * One kg_sess_tls holds an OpenSSL client context built from the
 * KeygateRedis* TLS settings: TLS 1.2 at least, peer verification always
 * on (the CA file, or the system store), and the client certificate and
 * key for mutual TLS. Every connection of a process shares it (OpenSSL
 * contexts are safe to share once built). No OpenSSL type leaves
 * sessions/.
 */
#ifndef KG_SESS_TLS_H
#define KG_SESS_TLS_H

#include "conf/sessions.h"
#include "gateway/base/err.h"

#include <apr_pools.h>

typedef struct kg_sess_tls kg_sess_tls;

/* Builds the context for s in pool (freed when pool is cleared).
 * KG_ECONFIG names the file and OpenSSL's reason when the CA file, the
 * certificate or the key cannot be read, or the key is not the
 * certificate's. */
kg_rc kg_sess_tls_make(apr_pool_t *pool, const kg_conf_sessions *s,
		       kg_sess_tls **out, kg_err *err);

/* The name to verify instead of the host connected to (the
 * KeygateRedisServerName), or NULL. */
const char *kg_sess_tls_server_name(const kg_sess_tls *t);

/* The OpenSSL context (an SSL_CTX *), for sessions/link.c only. */
void *kg_sess_tls_context(const kg_sess_tls *t);

#endif
