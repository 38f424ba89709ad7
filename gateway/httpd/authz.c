/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: the authz providers `Require keygate-role ROLE...`,
 * `Require keygate-org ORG...` and `Require keygate-attr NAME VALUE...`.
 * They combine with RequireAll/RequireAny like httpd's own; the rules are
 * compiled once (policy/require.h) and evaluated per request.
 */
#include "gateway/httpd/binding.h"
#include "gateway/base/str.h"
#include "gateway/httpd/config.h"
#include "policy/require.h"

#include <apr_strings.h>
#include <ap_provider.h>
#include <http_request.h>
#include <mod_auth.h>

static const char *parse(cmd_parms *cmd, const char *line, const void **parsed,
			 kg_require_kind kind)
{
	kg_require_rule *rule;
	const char *err = kg_pol_require_compile(cmd->pool, kind, line, &rule);

	if (err)
		return kg_psprintf(cmd->pool, "Require keygate-%s: %s",
				   kind == KG_REQUIRE_ROLE  ? "role"
				   : kind == KG_REQUIRE_ORG ? "org"
							    : "attr",
				   err);
	*parsed = rule;
	return NULL;
}

static const char *parse_role(cmd_parms *cmd, const char *line,
			      const void **parsed)
{
	return parse(cmd, line, parsed, KG_REQUIRE_ROLE);
}

static const char *parse_org(cmd_parms *cmd, const char *line,
			     const void **parsed)
{
	return parse(cmd, line, parsed, KG_REQUIRE_ORG);
}

static const char *parse_attr(cmd_parms *cmd, const char *line,
			      const void **parsed)
{
	return parse(cmd, line, parsed, KG_REQUIRE_ATTR);
}

/* Grants when the caller keygate authenticated passes the rule, and
 * notes it in the request state (the admin API is answered only for a
 * request a keygate rule admitted). */
static authz_status check(request_rec *r, const char *line, const void *parsed)
{
	kg_httpd_request_state *st = kg_httpd_request_state_get(r);

	if (st == NULL || st->caller.user == NULL)
		return AUTHZ_DENIED_NO_USER;
	if (!kg_pol_require_check(parsed, st->caller.user))
		return AUTHZ_DENIED;
	st->keygate_rule_granted = true;
	return AUTHZ_GRANTED;
}

static const authz_provider role_provider = {check, parse_role};
static const authz_provider org_provider = {check, parse_org};
static const authz_provider attr_provider = {check, parse_attr};

void kg_httpd_register_authz(apr_pool_t *p)
{
	ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "keygate-role",
				  AUTHZ_PROVIDER_VERSION, &role_provider,
				  AP_AUTH_INTERNAL_PER_CONF);
	ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "keygate-org",
				  AUTHZ_PROVIDER_VERSION, &org_provider,
				  AP_AUTH_INTERNAL_PER_CONF);
	ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "keygate-attr",
				  AUTHZ_PROVIDER_VERSION, &attr_provider,
				  AP_AUTH_INTERNAL_PER_CONF);
}
