/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the username mappers: Username Template Importer (SAML, OIDC)
 * and Email Prefix as Username Importer.
 */
#include "mappers/context.h"
#include "gateway/base/str.h"

#include <string.h>

/* The NameID when it is an email (by format or by an '@'), else the mapped
 * email (Decision 5). */
static const char *email_prefix_source(kg_map_ctx *ctx)
{
	const kg_assertion *a =
		ctx->in->proto == KG_PROTO_SAML ? ctx->in->saml : NULL;

	if (a && a->name_id &&
	    ((a->name_id_format &&
	      (strcmp(a->name_id_format,
		      "urn:oasis:names:tc:SAML:1.1:nameid-format:"
		      "emailAddress") == 0 ||
	       strcmp(a->name_id_format,
		      "urn:oasis:names:tc:SAML:1.1:nameid-format:email") ==
		       0)) ||
	     strchr(a->name_id, '@')))
		return a->name_id;
	if (a && a->name_id && ctx->email == NULL)
		return a->name_id;
	return ctx->email;
}

void kg_map_username_preprocess(kg_map_ctx *ctx, const kg_mapper *m)
{
	const char *value;

	if (m->kind == KG_MAP_EMAIL_PREFIX) {
		const char *source = email_prefix_source(ctx);
		if (source == NULL) {
			kg_map_fail(ctx,
				    "mapper \"%s\": no email NameID or email "
				    "to take the username from",
				    m->name);
			return;
		}
		value = kg_map_email_prefix(ctx->pool, source);
		if (value[0] == '\0') {
			kg_map_fail(ctx,
				    "mapper \"%s\": \"%s\" leaves an empty "
				    "username",
				    m->name, source);
			return;
		}
		ctx->model_username = value;
		return;
	}
	value = kg_map_template_eval(ctx, m);
	if (value == NULL)
		return;
	switch (m->target) {
	case KG_TARGET_LOCAL:
		ctx->model_username = value;
		break;
	case KG_TARGET_BROKER_ID:
		ctx->id = value;
		break;
	case KG_TARGET_BROKER_USERNAME:
		ctx->username = value;
		break;
	}
}

void kg_map_username_update(kg_map_ctx *ctx, const kg_mapper *m, bool legacy)
{
	if (legacy || ctx->model_username == NULL)
		return;
	if (m->kind != KG_MAP_EMAIL_PREFIX && m->target != KG_TARGET_LOCAL)
		return;
	kg_map_set_username(ctx, ctx->model_username);
}

/* Fails the login for a token's username with reason token. */
static void refuse_username(kg_map_ctx *ctx, const char *token, const char *raw,
			    const char *why)
{
	if (ctx->failure)
		return;
	kg_map_fail(ctx, "%s: the username %s %s", token,
		    kg_str_quote(ctx->pool, raw, 64), why);
	ctx->failure_token = token;
}

void kg_map_set_username(kg_map_ctx *ctx, const char *raw)
{
	const kg_conf_mapping *c = ctx->conf;
	bool token = ctx->in->proto == KG_PROTO_OIDC;
	const char *trimmed, *lower;

	if (token && !c->username_space_trim) {
		if (kg_str_has_control(raw)) {
			refuse_username(ctx, "username_control", raw,
					"holds a control or format character "
					"(KeygateUsernameSpace refuse)");
			return;
		}
		if (kg_str_has_outer_space(raw)) {
			refuse_username(ctx, "username_space", raw,
					"starts or ends with white space "
					"(KeygateUsernameSpace refuse)");
			return;
		}
	}
	trimmed = kg_str_trim(ctx->pool, raw);
	lower = kg_str_lower(ctx->pool, trimmed);
	if (token && !c->username_case_lower && strcmp(lower, trimmed) != 0) {
		refuse_username(
			ctx, "username_case", raw,
			kg_psprintf(ctx->pool,
				    "is not in lower case (it would "
				    "be %s; KeygateUsernameCase "
				    "refuse)",
				    kg_str_quote(ctx->pool, lower, 64)));
		return;
	}
	if (token && strcmp(lower, raw) != 0)
		ctx->username_note = kg_psprintf(
			ctx->pool, "from=%s to=%s how=%s",
			kg_str_quote(ctx->pool, raw, 64),
			kg_str_quote(ctx->pool, lower, 64),
			strcmp(trimmed, raw) != 0 && strcmp(lower, trimmed) != 0
				? "trim,lower"
			: strcmp(trimmed, raw) != 0 ? "trim"
						    : "lower");
	ctx->user->username = lower;
}
