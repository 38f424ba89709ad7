/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the login providers, whatever their protocol: one alias space
 * for SAML and OIDC identity providers, with what a person sees of each
 * (a display name and a button order), the email domains that send a
 * user to one (home-realm discovery), and a provider's own session-count
 * limits (Keycloak's limiter in an IdP's post-login flow).
 *
 * KeygateSAMLProvider and KeygateOIDCProvider declare a provider here
 * (kg_conf_provider_add), so the same alias twice is refused at its line.
 * Plain data: conf/ decides nothing; the flow reads it.
 */
#ifndef KG_CONF_PROVIDERS_H
#define KG_CONF_PROVIDERS_H

#include "conf/sessions.h"
#include "gateway/base/err.h"

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum { KG_PROVIDER_SAML, KG_PROVIDER_OIDC } kg_provider_protocol;

/* The order of a provider KeygateProviderDisplay gave none: after every
 * provider that has one, in config order. */
#define KG_PROVIDER_ORDER_DEFAULT 1000000

typedef struct {
	const char *alias;
	kg_provider_protocol protocol;
	const char *display_name; /* NULL, "" or the alias: the page shows
				     "Continue with Single Sign On" */
	int order;		  /* button order; ties keep config order */
	apr_array_header_t *email_domains; /* const char *, lower-case; for
					      home-realm discovery; may be
					      empty */
	const char *file;		   /* where it was declared, for */
	int line;			   /* messages (NULL, 0: unknown) */
	kg_conf_flow_limits limits;	   /* KeygateProviderSessionLimit */
	bool has_limits; /* true: limits replace the sso flow's limits for
			    logins through this provider */
	int seq;	 /* declaration order (0, 1, ...) */
} kg_conf_provider;

/* The provider list inside kg_conf (conf.h). */
typedef struct {
	apr_array_header_t *list; /* kg_conf_provider, always in button
				     order (order, then declaration) */
} kg_conf_provider_list;

/* Fills p with an empty list in pool. */
void kg_conf_providers_defaults(apr_pool_t *pool, kg_conf_provider_list *p);

/* Declares provider alias of protocol. Returns NULL, or a message when
 * alias is not a valid alias (letters, digits, '-', '_', '.'; it goes into
 * URL paths) or is already declared (with where it was, when known). */
const char *kg_conf_provider_add(kg_conf_provider_list *p, apr_pool_t *pool,
				 const char *alias,
				 kg_provider_protocol protocol);

/* Records where (a "FILE:LINE" the config reader gives after each
 * directive) on each provider that has no location yet: the one the
 * directive just declared. */
void kg_conf_providers_note(kg_conf_provider_list *p, apr_pool_t *pool,
			    const char *where);

/* The provider whose email domains hold domain (compared
 * case-insensitively; a leading '@' and anything before it are skipped,
 * so an address works too), or NULL. */
const kg_conf_provider *
kg_conf_providers_by_email(const kg_conf_provider_list *p, const char *address);

/* The whole settings (conf.h); C11 allows the typedef twice. */
typedef struct kg_conf kg_conf;

/* The login providers in button order; *n receives the count. Owned by
 * the conf pool. */
const kg_conf_provider *kg_conf_providers(const kg_conf *c, size_t *n);

/* The provider named alias (exact match), or NULL. */
const kg_conf_provider *kg_conf_provider_find(const kg_conf *c,
					      const char *alias);

/* Returns the stable name of a protocol ("saml", "oidc"). */
const char *kg_conf_provider_protocol_name(kg_provider_protocol protocol);

/* True when s is usable as an alias (and so in URL paths). */
bool kg_conf_alias_valid(const char *s);

#endif
