/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the role mappers: Hardcoded Role, SAML Attribute to Role and
 * its Advanced form, OIDC Claim to Role and its Advanced form.
 *
 * Keycloak's rules (keycloak.md §2.1, §3.5-3.8): a role granted by one
 * mapper in this login is never revoked by another; a hardcoded role
 * that does not exist fails the login, any other unknown role is skipped
 * with a warning.
 */
#include "mappers/context.h"

#include <apr_strings.h>
#include <string.h>

/* Does any value of the pooled list fully match the condition? */
static bool condition_holds(const kg_mapper_condition *c,
			    const apr_array_header_t *values)
{
	for (int i = 0; i < values->nelts; i++) {
		const char *v = APR_ARRAY_IDX(values, i, const char *);
		if (c->regex ? kg_regex_full_match(c->regex, v)
			     : strcmp(c->value, v) == 0)
			return true;
	}
	return false;
}

static bool claim_condition_holds(kg_map_ctx *ctx, const kg_mapper_condition *c)
{
	const kg_json *claim = kg_map_claim(ctx->in->claims, c->key);

	if (claim == NULL)
		return false;
	if (c->regex)
		return condition_holds(c,
				       kg_map_claim_values(ctx->pool, claim));
	return kg_map_claim_equals(ctx->pool, claim, c->value);
}

/* Does this mapper's condition hold for the current login? */
static bool applies(kg_map_ctx *ctx, const kg_mapper *m)
{
	const kg_json *claim;

	switch (m->kind) {
	case KG_MAP_HARDCODED_ROLE:
		return true;
	case KG_MAP_SAML_ROLE:
		return kg_map_saml_has_value(ctx, m, m->attribute_name,
					     m->friendly_name, m->value);
	case KG_MAP_OIDC_ROLE:
		claim = kg_map_claim(ctx->in->claims, m->claim);
		return claim && kg_map_claim_equals(ctx->pool, claim, m->value);
	case KG_MAP_SAML_ADVANCED_ROLE:
		for (size_t i = 0; i < m->nconditions; i++) {
			if (!condition_holds(
				    &m->conditions[i],
				    kg_map_saml_values(ctx, m,
						       m->conditions[i].key)))
				return false;
		}
		return true;
	case KG_MAP_OIDC_ADVANCED_ROLE:
		for (size_t i = 0; i < m->nconditions; i++) {
			if (!claim_condition_holds(ctx, &m->conditions[i]))
				return false;
		}
		return true;
	default:
		return false;
	}
}

/* True when the role exists; otherwise fails the login (hardcoded) or
 * warns (the rest). */
static bool role_exists(kg_map_ctx *ctx, const kg_mapper *m)
{
	if (kg_conf_mapping_has_role(ctx->conf, m->role))
		return true;
	if (m->kind == KG_MAP_HARDCODED_ROLE)
		kg_map_fail(ctx, "mapper \"%s\": unable to find role \"%s\"",
			    m->name, m->role);
	else
		kg_map_warn(ctx,
			    "mapper \"%s\": role \"%s\" is not a Domino role; "
			    "mapper skipped",
			    m->name, m->role);
	return false;
}

static void grant_role(kg_map_ctx *ctx, const char *role)
{
	kg_list_add_unique(ctx->user->roles, role);
	kg_list_add_unique(ctx->granted, role);
}

static void revoke_role(kg_map_ctx *ctx, const char *role)
{
	apr_array_header_t *roles = ctx->user->roles;

	for (int i = 0; i < roles->nelts; i++) {
		const char **r = &APR_ARRAY_IDX(roles, i, const char *);
		if (strcmp(*r, role) != 0)
			continue;
		memmove(r, r + 1, (size_t)(roles->nelts - i - 1) * sizeof(*r));
		roles->nelts--;
		return;
	}
}

void kg_map_role_import(kg_map_ctx *ctx, const kg_mapper *m)
{
	if (role_exists(ctx, m) && applies(ctx, m))
		grant_role(ctx, m->role);
}

void kg_map_role_update(kg_map_ctx *ctx, const kg_mapper *m, bool legacy)
{
	bool oidc = m->kind == KG_MAP_OIDC_ROLE ||
		    m->kind == KG_MAP_OIDC_ADVANCED_ROLE;

	if (legacy && m->kind == KG_MAP_HARDCODED_ROLE)
		return;
	if (!role_exists(ctx, m))
		return;
	if (kg_values_contain(ctx->granted, m->role))
		return;
	if (applies(ctx, m)) {
		if (!(legacy && oidc))
			grant_role(ctx, m->role);
		else if (kg_values_contain(ctx->user->roles, m->role))
			/* Keycloak's legacy path records the role as mapper-
			 * granted (never granting it), so a later mapper for
			 * the same role does not revoke it (KEYCLOAK-8730) */
			kg_list_add_unique(ctx->granted, m->role);
	} else {
		revoke_role(ctx, m->role);
	}
}
