/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: mapper files: Keycloak realm-export JSON compiled into a
 * mapper set.
 *
 * A mapper file is an object whose `identityProviderMappers` array holds
 * {name, identityProviderAlias, identityProviderMapper, config}; a whole
 * realm export is accepted as is, and `identityProviders[].config.syncMode`
 * gives each alias its default sync mode. Loading checks everything once
 * (types, required keys, regexes, templates, aliases, unimplemented mapper
 * types) and reports every problem as "FILE:LINE:COL: message"; nothing is
 * silently ignored. The compiled set is read-only and lives in the pool it
 * was loaded into.
 */
#ifndef KG_CONF_MAPPER_FILE_H
#define KG_CONF_MAPPER_FILE_H

#include "conf/template.h"
#include "gateway/base/err.h"
#include "gateway/base/regex.h"

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

typedef enum {
	KG_SYNC_LEGACY = 0, /* Keycloak's default when syncMode is absent */
	KG_SYNC_IMPORT,
	KG_SYNC_FORCE,
	KG_SYNC_INHERIT /* mappers only: use the provider's mode */
} kg_sync_mode;

typedef enum { KG_PROTO_ANY = 0, KG_PROTO_SAML, KG_PROTO_OIDC } kg_proto;

typedef enum {
	KG_MAP_SAML_ATTRIBUTE,	    /* saml-user-attribute-idp-mapper */
	KG_MAP_OIDC_ATTRIBUTE,	    /* oidc-user-attribute-idp-mapper */
	KG_MAP_SAML_USERNAME,	    /* saml-username-idp-mapper */
	KG_MAP_OIDC_USERNAME,	    /* oidc-username-idp-mapper */
	KG_MAP_EMAIL_PREFIX,	    /* email-prefix-username-idp-mapper */
	KG_MAP_HARDCODED_ATTRIBUTE, /* hardcoded-attribute-idp-mapper */
	KG_MAP_HARDCODED_ROLE,	    /* hardcoded-role / oidc-hardcoded-role */
	KG_MAP_SAML_ROLE,	    /* saml-role-idp-mapper */
	KG_MAP_SAML_ADVANCED_ROLE,  /* saml-advanced-role-idp-mapper */
	KG_MAP_OIDC_ROLE,	    /* oidc-role-idp-mapper */
	KG_MAP_OIDC_ADVANCED_ROLE   /* oidc-advanced-role-idp-mapper */
} kg_mapper_kind;

typedef enum {
	KG_TARGET_LOCAL = 0,	  /* the local username */
	KG_TARGET_BROKER_ID,	  /* the federated identity's user id */
	KG_TARGET_BROKER_USERNAME /* the federated identity's user name */
} kg_username_target;

/* One {key, value} condition of an advanced role mapper. */
typedef struct {
	const char *key;
	const char *value;
	const kg_regex *regex; /* compiled value when regex matching is on */
} kg_mapper_condition;

typedef struct {
	const char *name;    /* the mapper's `name` */
	const char *alias;   /* identityProviderAlias */
	const char *type_id; /* identityProviderMapper */
	kg_mapper_kind kind;
	kg_proto proto;	   /* which inputs it reads; ANY for hardcoded */
	kg_sync_mode sync; /* config.syncMode (default LEGACY) */
	int line, col;	   /* where the mapper object starts */

	/* Attribute importers and SAML role mappers: the attribute to find.
	 * attribute_name wins when both are set (Keycloak); either may be
	 * NULL. */
	const char *attribute_name;
	const char *friendly_name;
	const char *name_format;     /* informational only */
	const char *claim;	     /* OIDC importer and claim-to-role */
	const char *user_attribute;  /* importer and hardcoded attribute */
	const char *value;	     /* role mappers' wanted value; hardcoded
					attribute's value */
	const char *role;	     /* role mappers */
	const kg_template *template; /* username mappers */
	kg_username_target target;
	kg_mapper_condition *conditions; /* advanced role mappers */
	size_t nconditions;
	bool regex; /* advanced role mappers: values are regexes */
} kg_mapper;

typedef struct {
	const char *alias;
	const char *provider_id; /* "saml", "oidc", ... */
	kg_proto proto;
	kg_sync_mode sync;
	bool enabled;
} kg_idp;

typedef struct {
	const char *path;
	kg_mapper *mappers; /* in file order, which is the order they run */
	size_t nmappers;
	kg_idp *idps; /* empty when the file has no identityProviders */
	size_t nidps;
} kg_mapper_set;

/* Loads and compiles the mapper file at path. On success *out lives in
 * pool. On failure returns KG_ECONFIG: err holds the first problem, and
 * every problem (one "FILE:LINE:COL: message" string each) is appended to
 * problems when it is not NULL. */
kg_rc kg_mapper_file_load(apr_pool_t *pool, const char *path,
			  kg_mapper_set **out, apr_array_header_t *problems,
			  kg_err *err);

/* The same, from text already in memory; path names it in messages. */
kg_rc kg_mapper_file_parse(apr_pool_t *pool, const char *path, const char *text,
			   size_t len, kg_mapper_set **out,
			   apr_array_header_t *problems, kg_err *err);

/* Returns the provider with this alias, or NULL. */
const kg_idp *kg_mapper_set_idp(const kg_mapper_set *set, const char *alias);

/* The sync mode a provider gives its INHERIT mappers: its
 * config.syncMode, or LEGACY when the file does not describe it. */
kg_sync_mode kg_mapper_set_idp_sync(const kg_mapper_set *set,
				    const char *alias);

/* Returns the upper-case name of a sync mode. */
const char *kg_sync_mode_name(kg_sync_mode mode);

#endif
