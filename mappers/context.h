/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the mapper engine's working state, shared by the mapper kinds
 * (private to mappers/).
 *
 * It mirrors Keycloak's BrokeredIdentityContext (id, username,
 * modelUsername, email, names, attributes) plus the user being built.
 */
#ifndef KG_MAPPERS_CONTEXT_H
#define KG_MAPPERS_CONTEXT_H

#include "mappers/map.h"

typedef struct {
	apr_pool_t *pool;
	const kg_mapper_set *set;
	const kg_conf_mapping *conf;
	const char *alias;
	const kg_map_input *in;

	/* the brokered identity, filled by preprocessing */
	const char *id;
	const char *username;
	const char *model_username;
	const char *email;
	const char *first_name;
	const char *last_name;
	kg_bag *attributes;

	kg_user *user; /* the user being built */
	bool first_login;
	apr_array_header_t *granted;	  /* roles mappers granted this login */
	apr_array_header_t *mapper_roles; /* roles any role mapper names */
	apr_array_header_t *warnings;
	const char *failure;
	const char *failure_token; /* the failure's reason token, or NULL */
	const char *username_note; /* how a token's username was changed */
} kg_map_ctx;

/* Adds a warning line. */
void kg_map_warn(kg_map_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fails the login with a reason; the first failure wins. */
void kg_map_fail(kg_map_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- username.c: the username the user gets --- */

/* Sets the user's username from raw (what the mappers made of the
 * login): trimmed as Java does and lower-cased as Keycloak stores it.
 * A username from a token (OIDC input) must need neither, unless the
 * settings allow it: white space at an end or a control character fail
 * the login (username_space, username_control) unless KeygateUsernameSpace
 * trim; a username that is not lower case already fails it
 * (username_case) unless KeygateUsernameCase lower. When a setting let
 * the username change, ctx->username_note says how. */
void kg_map_set_username(kg_map_ctx *ctx, const char *raw);

/* --- lookup.c: reading the assertion and the claims --- */

/* The Attribute Importer's values: key is attribute_name, else
 * friendly_name; an Attribute matches when its Name or FriendlyName equals
 * key. Exact matches win; when there is none, a case-insensitive match is
 * used and reported (Decision 1). Values of every match, in document
 * order. Never NULL. */
apr_array_header_t *kg_map_saml_values(kg_map_ctx *ctx, const kg_mapper *m,
				       const char *key);

/* True when some Attribute matching the role mapper's name AND friendly
 * name (each optional) has a value equal to want. */
bool kg_map_saml_has_value(kg_map_ctx *ctx, const kg_mapper *m,
			   const char *name, const char *friendly,
			   const char *want);

/* The claim at a dotted path (`a.b.c`, `\.` for a literal dot), or NULL. */
const kg_json *kg_map_claim(const kg_json *claims, const char *path);

/* A claim as strings: an array gives its elements, a scalar one value,
 * null nothing; numbers keep their JSON text, objects become compact
 * JSON. Never NULL. */
apr_array_header_t *kg_map_claim_values(apr_pool_t *pool, const kg_json *v);

/* Keycloak's valueEquals: is the claim equal to the configured text? */
bool kg_map_claim_equals(apr_pool_t *pool, const kg_json *claim,
			 const char *want);

/* --- template.c --- */

/* Evaluates a username template. Returns NULL after kg_map_fail when a
 * variable does not resolve (Decision 3). */
const char *kg_map_template_eval(kg_map_ctx *ctx, const kg_mapper *m);

/* --- per-kind behaviour (attribute.c, username.c, role.c) --- */

/* Every login: write into the brokered identity. */
void kg_map_attribute_preprocess(kg_map_ctx *ctx, const kg_mapper *m);
void kg_map_username_preprocess(kg_map_ctx *ctx, const kg_mapper *m);

/* A later login under FORCE or LEGACY (legacy says which). */
void kg_map_attribute_update(kg_map_ctx *ctx, const kg_mapper *m);
void kg_map_username_update(kg_map_ctx *ctx, const kg_mapper *m, bool legacy);
void kg_map_role_update(kg_map_ctx *ctx, const kg_mapper *m, bool legacy);

/* A first login: grant what applies. */
void kg_map_role_import(kg_map_ctx *ctx, const kg_mapper *m);

#endif
