/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the `Require keygate-role|keygate-org|keygate-attr` rules.
 *
 * A rule is compiled once from its words at config time and evaluated
 * per request against the caller's user. Pure.
 */
#ifndef KG_POLICY_REQUIRE_H
#define KG_POLICY_REQUIRE_H

#include "gateway/base/user.h"

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
	KG_REQUIRE_ROLE, /* any of the roles (exact) */
	KG_REQUIRE_ORG,	 /* any of the organizations (exact) */
	KG_REQUIRE_ATTR	 /* the attribute holds any of the values */
} kg_require_kind;

typedef struct {
	kg_require_kind kind;
	const char *attribute;	    /* KG_REQUIRE_ATTR */
	apr_array_header_t *values; /* const char * */
} kg_require_rule;

/* Compiles the words after `Require keygate-...`. Returns NULL and sets
 * *rule, or an error message (no values; an attribute rule without a
 * value). */
const char *kg_pol_require_compile(apr_pool_t *pool, kg_require_kind kind,
				   const char *line, kg_require_rule **rule);

/* True when user satisfies rule. A NULL user (Anonymous) never does. */
bool kg_pol_require_check(const kg_require_rule *rule, const kg_user *user);

#endif
