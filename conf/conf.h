/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the settings, one struct per concern, and their defaults.
 *
 * A kg_conf is built once (httpd config time, or the CLI's --config file)
 * and is read-only afterwards, so request threads share it without locks.
 */
#ifndef KG_CONF_H
#define KG_CONF_H

#include "conf/aws.h"
#include "conf/gateway.h"
#include "conf/mapping.h"
#include "conf/oidc.h"
#include "conf/pages.h"
#include "conf/providers.h"
#include "conf/saml.h"
#include "conf/sessions.h"
#include "gateway/base/err.h"

#include <apr_hash.h>
#include <apr_pools.h>

typedef struct kg_conf {
	kg_conf_gateway gateway;
	kg_conf_mapping mapping;
	kg_conf_sessions sessions;
	kg_conf_oidc oidc;
	kg_conf_saml saml;
	kg_conf_aws aws;
	kg_conf_pages pages;
	kg_conf_provider_list providers; /* every login provider, SAML and
				       OIDC, in button order */
	apr_hash_t *where; /* directive name -> "FILE:LINE" of its last use,
			      for errors found after reading (kg_conf_note) */
	const char *first_where; /* "FILE:LINE" of the first directive noted:
				    where a rule with no directive of its own
				    (a missing setting) is reported */
	apr_array_header_t *required; /* kg_conf_required: the roles that
					 `Require keygate-role` lines name */
	apr_array_header_t *warnings; /* const char *: "FILE:LINE: text",
					 filled by kg_conf_finish for the
					 reader to log (conf/checks.h) */
} kg_conf;

/* A role a `Require keygate-role` line names, and where that line is. */
typedef struct {
	const char *role;
	const char *where; /* "FILE:LINE" */
} kg_conf_required;

/* Returns a conf with every default set, allocated in pool. */
kg_conf *kg_conf_make(apr_pool_t *pool);

/* Notes that directive (its name as in the table) was set at where
 * ("FILE:LINE", copied into pool), for errors found later, when a file it
 * names is read. The readers of directives (the config file, the httpd
 * binding) call it. */
void kg_conf_note(kg_conf *conf, apr_pool_t *pool, const char *directive,
		  const char *where);

/* Notes that a `Require keygate-role` line at where names role, so
 * kg_conf_finish can check it against KeygateRoles (copies both). */
void kg_conf_require_role(kg_conf *conf, apr_pool_t *pool, const char *role,
			  const char *where);

/* Where directive was last set ("FILE:LINE"), or NULL when it was not
 * (or the reader did not say). */
const char *kg_conf_where(const kg_conf *conf, const char *directive);

/* Checks rules that span several directives (e.g. the default role must be
 * one of the roles; conf/checks.h lists them). Returns KG_OK or
 * KG_ECONFIG with the reason, which starts with the FILE:LINE of the
 * offending directive (kg_conf_fail). Warnings (a setup that works but is
 * likely wrong) go to conf->warnings, replaced on each call. */
kg_rc kg_conf_finish(kg_conf *conf, kg_err *err);

/* Keycloak's realm endpoints that keygate answers itself, for a move from
 * Keycloak with no change at the apps: under a realm path, which is
 * /auth/realms/REALM of KeygateRealm (KeygateSAMLKeycloakPaths names the
 * same realm) or the path of KeygateAppJWTIssuer. */
typedef enum {
	KG_REALM_EP_NONE = 0,
	KG_REALM_EP_CERTS,     /* REALM/protocol/openid-connect/certs: the app
				  token keys (only with KeygateAppJWTKey) */
	KG_REALM_EP_LOGOUT,    /* REALM/protocol/openid-connect/logout: the
				  local logout */
	KG_REALM_EP_INFO,      /* REALM: realm, public_key, token-service...
				  (only with KeygateAppJWTKey) */
	KG_REALM_EP_DISCOVERY, /* REALM/.well-known/openid-configuration
				 (only with KeygateAppJWTKey) */
	KG_REALM_EP_AUTH       /* REALM/protocol/openid-connect/auth: a
				  browser login (PREFIX login) */
} kg_realm_endpoint;

/* Which realm endpoint path names (a path without its query). */
kg_realm_endpoint kg_conf_realm_endpoint(const kg_conf *conf, const char *path);

/* Reads `Keygate*` directives from the file at path into conf: one per
 * line, arguments split on blanks, double quotes group words (with \" and
 * \\ escapes), # starts a comment. Errors are KG_ECONFIG with the message
 * "PATH:LINE:COL: text" pointing at the offending word. */
kg_rc kg_conf_file_load(apr_pool_t *pool, const char *path, kg_conf *conf,
			kg_err *err);

#endif
