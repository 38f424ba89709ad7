/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the mapper engine's driver: Keycloak's broker login sequence
 * (keycloak.md §2).
 */
#include "mappers/context.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

typedef enum { KIND_ATTRIBUTE, KIND_USERNAME, KIND_ROLE } kind_family;

static kind_family family_of(kg_mapper_kind kind)
{
	switch (kind) {
	case KG_MAP_SAML_ATTRIBUTE:
	case KG_MAP_OIDC_ATTRIBUTE:
	case KG_MAP_HARDCODED_ATTRIBUTE:
		return KIND_ATTRIBUTE;
	case KG_MAP_SAML_USERNAME:
	case KG_MAP_OIDC_USERNAME:
	case KG_MAP_EMAIL_PREFIX:
		return KIND_USERNAME;
	default:
		return KIND_ROLE;
	}
}

static bool is_email_format(const char *format)
{
	return format &&
	       (strcmp(format, "urn:oasis:names:tc:SAML:1.1:nameid-format:"
			       "emailAddress") == 0 ||
		strcmp(format,
		       "urn:oasis:names:tc:SAML:1.1:nameid-format:email") == 0);
}

static const char *claim_string(const kg_json *claims, const char *name)
{
	const kg_json *v = kg_json_get(claims, name);

	return v && v->type == KG_JSON_STRING && v->str[0] ? v->str : NULL;
}

/* Fills the brokered identity from the protocol input, as Keycloak's SAML
 * endpoint and OIDC provider do before any mapper runs. */
static void identity_from_input(kg_map_ctx *ctx)
{
	const kg_assertion *a = ctx->in->saml;
	const kg_json *c = ctx->in->claims;

	if (ctx->in->proto == KG_PROTO_SAML) {
		if (a->name_id == NULL || a->name_id[0] == '\0') {
			kg_map_fail(ctx, "the assertion has no NameID");
			return;
		}
		ctx->id = ctx->username = a->name_id;
		if (is_email_format(a->name_id_format))
			ctx->email = a->name_id;
		return;
	}
	ctx->id = claim_string(c, "sub");
	if (ctx->id == NULL)
		kg_map_fail(ctx, "the claims have no \"sub\"");
	ctx->username = claim_string(c, "preferred_username");
	ctx->email = claim_string(c, "email");
	ctx->first_name = claim_string(c, "given_name");
	ctx->last_name = claim_string(c, "family_name");
}

static void preprocess(kg_map_ctx *ctx, const kg_mapper *m)
{
	switch (family_of(m->kind)) {
	case KIND_ATTRIBUTE:
		kg_map_attribute_preprocess(ctx, m);
		break;
	case KIND_USERNAME:
		kg_map_username_preprocess(ctx, m);
		break;
	case KIND_ROLE:
		break;
	}
}

/* A first login: the new user takes the brokered identity, then the role
 * mappers grant what applies. */
static void import_new_user(kg_map_ctx *ctx)
{
	const char *username = ctx->model_username;
	kg_user *u = ctx->user;

	if (username == NULL)
		username = ctx->username ? ctx->username
					 : apr_pstrcat(ctx->pool, ctx->alias,
						       ".", ctx->id, NULL);
	kg_map_set_username(ctx, username);
	u->email = ctx->email ? kg_str_lower(ctx->pool, ctx->email) : NULL;
	u->first_name = ctx->first_name;
	u->last_name = ctx->last_name;
	u->attributes = kg_bag_copy(ctx->pool, ctx->attributes);
	kg_bag_remove(u->attributes, "username");
	for (size_t i = 0; i < ctx->set->nmappers; i++) {
		const kg_mapper *m = &ctx->set->mappers[i];
		if (strcmp(m->alias, ctx->alias) == 0 &&
		    family_of(m->kind) == KIND_ROLE)
			kg_map_role_import(ctx, m);
	}
}

/* A later login: a FORCE provider refreshes the built-in properties, then
 * each mapper runs in its effective sync mode. */
static void update_user(kg_map_ctx *ctx)
{
	kg_sync_mode idp_sync = kg_mapper_set_idp_sync(ctx->set, ctx->alias);
	kg_user *u = ctx->user;

	if (idp_sync == KG_SYNC_FORCE) {
		if (ctx->email &&
		    !kg_str_eq_nocase(ctx->email, u->email ? u->email : ""))
			u->email = kg_str_lower(ctx->pool, ctx->email);
		if (ctx->first_name)
			u->first_name = ctx->first_name;
		if (ctx->last_name)
			u->last_name = ctx->last_name;
	}
	for (size_t i = 0; i < ctx->set->nmappers; i++) {
		const kg_mapper *m = &ctx->set->mappers[i];
		kg_sync_mode mode =
			m->sync == KG_SYNC_INHERIT ? idp_sync : m->sync;
		bool legacy = mode == KG_SYNC_LEGACY;

		if (strcmp(m->alias, ctx->alias) != 0 || mode == KG_SYNC_IMPORT)
			continue;
		switch (family_of(m->kind)) {
		case KIND_ATTRIBUTE:
			kg_map_attribute_update(ctx, m);
			break;
		case KIND_USERNAME:
			kg_map_username_update(ctx, m, legacy);
			break;
		case KIND_ROLE:
			kg_map_role_update(ctx, m, legacy);
			break;
		}
	}
}

/* Refuses a mapper that reads the other protocol's input. */
static kg_rc check_protocols(const kg_map_ctx *ctx, kg_err *err)
{
	for (size_t i = 0; i < ctx->set->nmappers; i++) {
		const kg_mapper *m = &ctx->set->mappers[i];
		if (strcmp(m->alias, ctx->alias) != 0 ||
		    m->proto == KG_PROTO_ANY || m->proto == ctx->in->proto)
			continue;
		return kg_err_set(
			err, KG_EINVAL,
			"%s:%d:%d: mapper \"%s\" (%s) reads %s input, "
			"but this login is %s",
			ctx->set->path, m->line, m->col, m->name, m->type_id,
			m->proto == KG_PROTO_SAML ? "SAML" : "OIDC",
			ctx->in->proto == KG_PROTO_SAML ? "SAML" : "OIDC");
	}
	return KG_OK;
}

kg_rc kg_map_apply(apr_pool_t *pool, const kg_mapper_set *set,
		   const kg_conf_mapping *conf, const char *alias,
		   const kg_map_input *in, const kg_user *stored,
		   kg_map_result *out, kg_err *err)
{
	kg_map_ctx ctx = {.pool = pool,
			  .set = set,
			  .conf = conf,
			  .alias = alias,
			  .in = in};
	size_t used = 0;
	kg_rc rc;

	ctx.attributes = kg_bag_make(pool);
	ctx.granted = apr_array_make(pool, 4, sizeof(const char *));
	ctx.mapper_roles = apr_array_make(pool, 4, sizeof(const char *));
	ctx.warnings = apr_array_make(pool, 4, sizeof(const char *));
	ctx.first_login = stored == NULL;
	ctx.user = stored ? kg_user_copy(pool, stored) : kg_user_make(pool);
	if ((rc = check_protocols(&ctx, err)) != KG_OK)
		return rc;
	identity_from_input(&ctx);
	/* Email Prefix reads the mapped email, so it runs after every other
	 * mapper has preprocessed, whatever the file order. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < set->nmappers && !ctx.failure; i++) {
			const kg_mapper *m = &set->mappers[i];
			if (strcmp(m->alias, alias) != 0 ||
			    (m->kind == KG_MAP_EMAIL_PREFIX) != (pass == 1))
				continue;
			preprocess(&ctx, m);
			used++;
			if (family_of(m->kind) == KIND_ROLE)
				kg_list_add_unique(ctx.mapper_roles, m->role);
		}
	}
	if (used == 0)
		kg_map_warn(&ctx, "no mapper is configured for \"%s\"", alias);
	if (!ctx.failure) {
		if (ctx.first_login)
			import_new_user(&ctx);
		else
			update_user(&ctx);
	}
	if (!ctx.failure && kg_str_is_blank(ctx.user->username))
		kg_map_fail(&ctx, "the login produced no username");
	out->user = ctx.user;
	out->first_login = ctx.first_login;
	out->broker_id = ctx.id;
	out->broker_username = ctx.username;
	out->warnings = ctx.warnings;
	out->failure = ctx.failure;
	out->failure_token = ctx.failure ? ctx.failure_token : NULL;
	out->username_note = ctx.username_note;
	out->granted = ctx.granted;
	out->mapper_roles = ctx.mapper_roles;
	return KG_OK;
}
