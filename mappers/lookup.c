/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading SAML attributes and OIDC claims for the mappers.
 */
#include "mappers/context.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void kg_map_warn(kg_map_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	APR_ARRAY_PUSH(ctx->warnings, const char *) =
		kg_pvsprintf(ctx->pool, fmt, ap);
	va_end(ap);
}

void kg_map_fail(kg_map_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->failure)
		return;
	va_start(ap, fmt);
	ctx->failure = kg_pvsprintf(ctx->pool, fmt, ap);
	va_end(ap);
}

typedef bool (*attr_match_fn)(const kg_saml_attr *a, const char *name,
			      const char *friendly, bool exact);

/* Name or FriendlyName equals key (the importer's rule). */
static bool match_either(const kg_saml_attr *a, const char *key,
			 const char *unused, bool exact)
{
	if (exact)
		return strcmp(a->name, key) == 0 ||
		       (a->friendly_name && strcmp(a->friendly_name, key) == 0);
	return kg_str_eq_nocase(a->name, key) ||
	       (a->friendly_name && kg_str_eq_nocase(a->friendly_name, key));
}

/* Name equals name AND FriendlyName equals friendly, each when set (the
 * role mapper's rule). */
static bool match_both(const kg_saml_attr *a, const char *name,
		       const char *friendly, bool exact)
{
	bool (*eq)(const char *, const char *) =
		exact ? NULL : kg_str_eq_nocase;

	if (name && !(exact ? strcmp(a->name, name) == 0 : eq(a->name, name)))
		return false;
	if (friendly && (a->friendly_name == NULL ||
			 !(exact ? strcmp(a->friendly_name, friendly) == 0
				 : eq(a->friendly_name, friendly))))
		return false;
	return true;
}

/* Marks which attributes match: exact first, else case-insensitive with
 * a warning. Returns the number matched; hits[i] says whether attribute i
 * matched. */
static size_t match_attrs(kg_map_ctx *ctx, const kg_mapper *m,
			  attr_match_fn match, const char *name,
			  const char *friendly, bool *hits)
{
	const kg_assertion *a = ctx->in->saml;
	size_t n = 0;

	for (int pass = 0; pass < 2 && n == 0; pass++) {
		for (size_t i = 0; i < a->nattrs; i++) {
			hits[i] =
				match(&a->attrs[i], name, friendly, pass == 0);
			n += hits[i];
		}
		if (pass == 1 && n > 0)
			kg_map_warn(ctx,
				    "mapper \"%s\": attribute \"%s\" matched "
				    "only case-insensitively",
				    m->name, name ? name : friendly);
	}
	return n;
}

static apr_array_header_t *collect(kg_map_ctx *ctx, const bool *hits)
{
	const kg_assertion *a = ctx->in->saml;
	apr_array_header_t *out =
		apr_array_make(ctx->pool, 4, sizeof(const char *));

	for (size_t i = 0; i < a->nattrs; i++) {
		if (!hits[i])
			continue;
		for (size_t v = 0; v < a->attrs[i].nvalues; v++)
			APR_ARRAY_PUSH(out, const char *) =
				a->attrs[i].values[v];
	}
	return out;
}

apr_array_header_t *kg_map_saml_values(kg_map_ctx *ctx, const kg_mapper *m,
				       const char *key)
{
	bool *hits = apr_pcalloc(ctx->pool,
				 sizeof(bool) * (ctx->in->saml->nattrs + 1));

	match_attrs(ctx, m, match_either, key, NULL, hits);
	return collect(ctx, hits);
}

bool kg_map_saml_has_value(kg_map_ctx *ctx, const kg_mapper *m,
			   const char *name, const char *friendly,
			   const char *want)
{
	bool *hits = apr_pcalloc(ctx->pool,
				 sizeof(bool) * (ctx->in->saml->nattrs + 1));

	match_attrs(ctx, m, match_both, name, friendly, hits);
	return kg_values_contain(collect(ctx, hits), want);
}

const kg_json *kg_map_claim(const kg_json *claims, const char *path)
{
	char segment[256];
	const kg_json *node = claims;
	const char *p = path;

	while (node) {
		size_t n = 0;
		while (*p && *p != '.') {
			if (*p == '\\' && p[1] == '.')
				p++;
			if (n + 1 >= sizeof(segment))
				return NULL;
			segment[n++] = *p++;
		}
		segment[n] = '\0';
		node = kg_json_get(node, segment);
		if (*p == '\0')
			return node;
		p++;
	}
	return NULL;
}

static const char *scalar_text(apr_pool_t *pool, const kg_json *v)
{
	kg_buf b;

	switch (v->type) {
	case KG_JSON_STRING:
	case KG_JSON_NUMBER:
		return v->str;
	case KG_JSON_TRUE:
		return "true";
	case KG_JSON_FALSE:
		return "false";
	case KG_JSON_NULL:
		return NULL;
	default:
		kg_buf_init(&b, pool, 64);
		kg_json_write(&b, v);
		return b.data;
	}
}

apr_array_header_t *kg_map_claim_values(apr_pool_t *pool, const kg_json *v)
{
	apr_array_header_t *out = apr_array_make(pool, 2, sizeof(const char *));
	const char *s;

	if (v == NULL)
		return out;
	if (v->type != KG_JSON_ARRAY) {
		if ((s = scalar_text(pool, v)) != NULL)
			APR_ARRAY_PUSH(out, const char *) = s;
		return out;
	}
	for (size_t i = 0; i < v->count; i++) {
		if ((s = scalar_text(pool, v->members[i].value)) != NULL)
			APR_ARRAY_PUSH(out, const char *) = s;
	}
	return out;
}

bool kg_map_claim_equals(apr_pool_t *pool, const kg_json *claim,
			 const char *want)
{
	kg_json *parsed;
	kg_json_error e;
	long long wi, ci;

	switch (claim->type) {
	case KG_JSON_STRING:
		return strcmp(claim->str, want) == 0;
	case KG_JSON_NUMBER:
		if (claim->is_integer)
			return kg_str_to_int(want, INT64_MIN, INT64_MAX, &wi) &&
			       kg_str_to_int(claim->str, INT64_MIN, INT64_MAX,
					     &ci) &&
			       wi == ci;
		{
			char *end;
			double d = strtod(want, &end);
			return *want && *end == '\0' &&
			       d == strtod(claim->str, NULL);
		}
	case KG_JSON_TRUE:
	case KG_JSON_FALSE:
		return (strcasecmp(want, "true") == 0) ==
		       (claim->type == KG_JSON_TRUE);
	case KG_JSON_ARRAY:
		for (size_t i = 0; i < claim->count; i++) {
			if (kg_map_claim_equals(pool, claim->members[i].value,
						want))
				return true;
		}
		return false;
	case KG_JSON_OBJECT:
		return kg_json_parse(pool, want, strlen(want), 16, &parsed,
				     &e) &&
		       kg_json_equal(parsed, claim);
	default:
		return false;
	}
}
