/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: evaluating username templates. Substitution is literal: a '$'
 * or '\' in a value is just a character (Keycloak's appendReplacement
 * quirk is not copied).
 */
#include "mappers/context.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <openssl/rand.h>
#include <string.h>

static const char *random_uuid(apr_pool_t *pool)
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return NULL;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	return kg_psprintf(pool,
			   "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			   "%02x%02x%02x%02x%02x%02x",
			   b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
			   b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* The first value of the first Attribute named n (Name or FriendlyName)
 * that has one. */
static const char *attribute_value(kg_map_ctx *ctx, const kg_mapper *m,
				   const char *n)
{
	const apr_array_header_t *values = kg_map_saml_values(ctx, m, n);

	return values->nelts > 0 ? APR_ARRAY_IDX(values, 0, const char *)
				 : NULL;
}

static const char *claim_value(kg_map_ctx *ctx, const char *path)
{
	const apr_array_header_t *values = kg_map_claim_values(
		ctx->pool, kg_map_claim(ctx->in->claims, path));

	return values->nelts > 0 ? APR_ARRAY_IDX(values, 0, const char *)
				 : NULL;
}

static const char *transform(apr_pool_t *pool, const char *v,
			     kg_tpl_transform t)
{
	const char *at;

	switch (t) {
	case KG_TPL_LOWERCASE:
		return kg_str_lower(pool, v);
	case KG_TPL_UPPERCASE:
		return kg_str_upper(pool, v);
	case KG_TPL_LOCALPART:
		at = strrchr(v, '@');
		return at ? apr_pstrmemdup(pool, v, (size_t)(at - v)) : v;
	default:
		return v;
	}
}

const char *kg_map_template_eval(kg_map_ctx *ctx, const kg_mapper *m)
{
	const kg_template *tpl = m->template;
	kg_buf out;

	kg_buf_init(&out, ctx->pool, 64);
	for (size_t i = 0; i < tpl->nsegments; i++) {
		const kg_tpl_segment *s = &tpl->segments[i];
		const char *v = NULL;

		switch (s->kind) {
		case KG_TPL_LITERAL:
			kg_buf_adds(&out, s->text);
			continue;
		case KG_TPL_ALIAS:
			v = ctx->alias;
			break;
		case KG_TPL_UUID:
			v = random_uuid(ctx->pool);
			break;
		case KG_TPL_NAMEID:
			v = ctx->in->saml->name_id;
			break;
		case KG_TPL_ATTRIBUTE:
			v = attribute_value(ctx, m, s->text);
			break;
		case KG_TPL_CLAIM:
			v = claim_value(ctx, s->text);
			break;
		}
		if (v == NULL || v[0] == '\0') {
			kg_map_fail(ctx,
				    "mapper \"%s\": username template \"%s\" "
				    "has no value for %s%s",
				    m->name, tpl->source,
				    s->kind == KG_TPL_ATTRIBUTE ? "ATTRIBUTE."
				    : s->kind == KG_TPL_CLAIM	? "CLAIM."
				    : s->kind == KG_TPL_NAMEID	? "NAMEID"
								: "a variable",
				    s->text ? s->text : "");
			return NULL;
		}
		kg_buf_adds(&out, transform(ctx->pool, v, s->transform));
	}
	return out.data;
}
