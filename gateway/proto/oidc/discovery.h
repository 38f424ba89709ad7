/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a provider's discovery document (OpenID Connect Discovery 1.0
 * §4), fetched from <issuer>/.well-known/openid-configuration, cached
 * and refreshed.
 *
 * The document's issuer must equal the configured issuer exactly (the
 * mix-up defence of §4.3); its endpoints are then trusted. A refresh
 * that fails keeps the old document.
 */
#ifndef KG_PROTO_OIDC_DISCOVERY_H
#define KG_PROTO_OIDC_DISCOVERY_H

#include "gateway/base/err.h"
#include "gateway/proto/oidc/http.h"

#include <apr_pools.h>

/* What keygate uses of the document; NULL where it names nothing. */
typedef struct {
	const char *issuer;
	const char *authorization_endpoint;
	const char *token_endpoint;
	const char *userinfo_endpoint;
	const char *jwks_uri; /* never NULL */
	const char *end_session_endpoint;
} kg_oidc_meta;

typedef struct kg_oidc_discovery kg_oidc_discovery;

/* Prepares the discovery of issuer (copied) in pool; nothing is fetched
 * yet. A document older than max_age_ms is refetched; fetches happen at
 * most once per retry_min_ms. */
kg_rc kg_oidc_discovery_make(apr_pool_t *pool, const char *issuer,
			     const kg_oidc_http_opts *http,
			     long long max_age_ms, long long retry_min_ms,
			     kg_oidc_discovery **out, kg_err *err);

/* Parses and checks the answer of url (HTTP status, body[0..len)) as the
 * discovery document of issuer: what a fetch does with the bytes, with no
 * I/O and no cache. On KG_OK *out names the document's endpoints, its
 * strings in pool (jwks_uri never NULL). Errors: KG_EBACKEND
 * "oidc_discovery: ..." when status is not 200, the body is not a JSON
 * object or it names no jwks_uri; KG_EAUTH "oidc_discovery: issuer
 * mix-up ..." when its issuer is not issuer exactly. url appears only in
 * the messages. */
kg_rc kg_oidc_discovery_parse(apr_pool_t *pool, const char *issuer,
			      const char *url, int status, const char *body,
			      size_t len, kg_oidc_meta *out, kg_err *err);

/* Copies the current document into pool, fetching it first when none is
 * held or it is stale. Errors: KG_EBACKEND (unreachable, not JSON, no
 * jwks_uri), KG_EAUTH "oidc_discovery: issuer mix-up ..." when the
 * document names another issuer. */
kg_rc kg_oidc_discovery_get(kg_oidc_discovery *d, apr_pool_t *pool,
			    long long now_ms, kg_oidc_meta *out, kg_err *err);

#endif
