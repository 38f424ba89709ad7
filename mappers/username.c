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
	ctx->user->username = kg_str_lower(
		ctx->pool, kg_str_trim(ctx->pool, ctx->model_username));
}
