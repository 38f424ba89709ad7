/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Keycloak-compatible mapper engine.
 *
 * kg_map_apply runs a provider's mappers over one login's assertion or
 * claims, the way Keycloak's broker does: every mapper preprocesses the
 * brokered identity; a first login imports a new user; a later login
 * updates the stored user according to each mapper's effective sync mode
 * (IMPORT, LEGACY, FORCE, or INHERIT from the provider). Pure: no I/O, no
 * clocks, no globals; everything it returns lives in the pool passed.
 */
#ifndef KG_MAP_H
#define KG_MAP_H

#include "conf/mapper_file.h"
#include "conf/mapping.h"
#include "gateway/base/assertion.h"
#include "gateway/base/json.h"
#include "gateway/base/user.h"

typedef struct {
	kg_proto proto;		  /* SAML or OIDC */
	const kg_assertion *saml; /* when proto is SAML */
	const kg_json *claims;	  /* when proto is OIDC: a JSON object */
} kg_map_input;

typedef struct {
	kg_user *user;			  /* the user after this login */
	bool first_login;		  /* no stored user was given */
	const char *broker_id;		  /* the federated identity's id */
	const char *broker_username;	  /* the federated identity's name */
	apr_array_header_t *granted;	  /* roles mappers granted this login */
	apr_array_header_t *mapper_roles; /* roles the role mappers manage */
	apr_array_header_t *warnings;	  /* const char *, for the admin */
	const char *failure;	   /* non-NULL: the login must fail, and why */
	const char *failure_token; /* the failure's reason token when it has
				      one (username_space, username_control,
				      username_case), else NULL */
	const char *username_note; /* non-NULL when a setting let a token's
				      username be trimmed or lower-cased:
				      from what to what, for the log */
} kg_map_result;

/* Maps one login for provider alias. stored is the user from an earlier
 * login, or NULL for a first login. Returns KG_OK with *out filled (a
 * failed login is KG_OK with out->failure set), or KG_EINVAL when the
 * input cannot be mapped at all (a mapper reads the other protocol). */
kg_rc kg_map_apply(apr_pool_t *pool, const kg_mapper_set *set,
		   const kg_conf_mapping *conf, const char *alias,
		   const kg_map_input *in, const kg_user *stored,
		   kg_map_result *out, kg_err *err);

/* Turns the mapped user into Domino terms in place: roles (from the roles
 * attribute when role sync is on, plus mapper grants, else the default
 * role), organizations (when external orgs are on) and AWS settings.
 * Unknown roles and malformed AWS values are dropped with a warning. */
void kg_map_domino(apr_pool_t *pool, const kg_conf_mapping *conf,
		   kg_map_result *res);

/* The Email Prefix as Username rule (DESIGN.md Decision 5): the part
 * before the last '@', diacritics folded to ASCII, runs of anything outside
 * [A-Za-z0-9_] to one '_', '_' trimmed at both ends, lower case. May
 * return "". */
const char *kg_map_email_prefix(apr_pool_t *pool, const char *source);

#endif
