/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Require rules.
 */
#include "policy/require.h"
#include "conf/words.h"

#include <apr_strings.h>

const char *kg_pol_require_compile(apr_pool_t *pool, kg_require_kind kind,
				   const char *line, kg_require_rule **rule)
{
	kg_require_rule *r = apr_pcalloc(pool, sizeof(*r));
	apr_array_header_t *words =
		apr_array_make(pool, 4, sizeof(kg_conf_word));
	const char *msg;
	int col;

	if ((msg = kg_conf_words(pool, line, words, &col)) != NULL)
		return msg;
	r->kind = kind;
	r->values = apr_array_make(pool, 2, sizeof(const char *));
	for (int i = 0; i < words->nelts; i++) {
		const char *w = APR_ARRAY_IDX(words, i, kg_conf_word).text;
		if (kind == KG_REQUIRE_ATTR && i == 0)
			r->attribute = w;
		else
			APR_ARRAY_PUSH(r->values, const char *) = w;
	}
	if (r->values->nelts == 0)
		return kind == KG_REQUIRE_ATTR
			       ? "keygate-attr needs an attribute and a value"
			       : "needs at least one value";
	*rule = r;
	return NULL;
}

static bool any_in(const apr_array_header_t *wanted,
		   const apr_array_header_t *have)
{
	for (int i = 0; have && i < wanted->nelts; i++) {
		if (kg_values_contain(have,
				      APR_ARRAY_IDX(wanted, i, const char *)))
			return true;
	}
	return false;
}

bool kg_pol_require_check(const kg_require_rule *rule, const kg_user *user)
{
	if (user == NULL)
		return false;
	switch (rule->kind) {
	case KG_REQUIRE_ROLE:
		return any_in(rule->values, user->roles);
	case KG_REQUIRE_ORG:
		return any_in(rule->values, user->organizations);
	case KG_REQUIRE_ATTR:
		return any_in(rule->values,
			      kg_bag_get(user->attributes, rule->attribute));
	}
	return false;
}
