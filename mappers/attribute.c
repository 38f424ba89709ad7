/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: Attribute Importers (SAML and OIDC) and the Hardcoded
 * Attribute mapper.
 *
 * email, firstName and lastName (any case) are the built-in properties and
 * take the first value only; a missing value never clears them. Any other
 * name is a multi-valued user attribute that FORCE and LEGACY replace, and
 * remove when the assertion no longer carries it.
 */
#include "mappers/context.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

typedef enum { PROP_NONE, PROP_EMAIL, PROP_FIRST, PROP_LAST } builtin_prop;

static builtin_prop builtin(const char *user_attribute)
{
	if (strcasecmp(user_attribute, "email") == 0)
		return PROP_EMAIL;
	if (strcasecmp(user_attribute, "firstName") == 0)
		return PROP_FIRST;
	if (strcasecmp(user_attribute, "lastName") == 0)
		return PROP_LAST;
	return PROP_NONE;
}

/* The values this mapper brings in this login. Never NULL. */
static apr_array_header_t *mapped_values(kg_map_ctx *ctx, const kg_mapper *m)
{
	apr_array_header_t *one;

	switch (m->kind) {
	case KG_MAP_SAML_ATTRIBUTE:
		return kg_map_saml_values(ctx, m,
					  m->attribute_name ? m->attribute_name
							    : m->friendly_name);
	case KG_MAP_OIDC_ATTRIBUTE:
		return kg_map_claim_values(
			ctx->pool, kg_map_claim(ctx->in->claims, m->claim));
	default:
		one = apr_array_make(ctx->pool, 1, sizeof(const char *));
		APR_ARRAY_PUSH(one, const char *) = m->value;
		return one;
	}
}

static const char **prop_slot_ctx(kg_map_ctx *ctx, builtin_prop p)
{
	return p == PROP_EMAIL	 ? &ctx->email
	       : p == PROP_FIRST ? &ctx->first_name
				 : &ctx->last_name;
}

static const char **prop_slot_user(kg_user *u, builtin_prop p)
{
	return p == PROP_EMAIL	 ? &u->email
	       : p == PROP_FIRST ? &u->first_name
				 : &u->last_name;
}

void kg_map_attribute_preprocess(kg_map_ctx *ctx, const kg_mapper *m)
{
	apr_array_header_t *values = mapped_values(ctx, m);
	builtin_prop p = builtin(m->user_attribute);

	if (values->nelts == 0)
		return;
	if (p != PROP_NONE)
		*prop_slot_ctx(ctx, p) = APR_ARRAY_IDX(values, 0, const char *);
	else
		kg_bag_set(ctx->attributes, m->user_attribute, values);
}

void kg_map_attribute_update(kg_map_ctx *ctx, const kg_mapper *m)
{
	apr_array_header_t *values = mapped_values(ctx, m);
	builtin_prop p = builtin(m->user_attribute);
	const char *first;

	if (p == PROP_NONE) {
		kg_bag_set(ctx->user->attributes, m->user_attribute, values);
		return;
	}
	if (values->nelts == 0)
		return;
	first = APR_ARRAY_IDX(values, 0, const char *);
	if (p == PROP_EMAIL)
		first = kg_str_lower(ctx->pool, first);
	*prop_slot_user(ctx->user, p) = first;
}
