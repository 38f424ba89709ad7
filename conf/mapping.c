/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the mapping settings: defaults and directive setters.
 */
#include "conf/mapping.h"
#include "conf/directive.h"
#include "conf/directives.h"

#include <stddef.h>

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

static const char *const domino_roles[] = {
	"Practitioner",		"SysAdmin",	"Librarian",
	"ReadOnlySupportStaff", "SupportStaff", "ProjectManager",
	"CloudAdmin",		"LimitedAdmin", "LicenseReviewer",
	"GovernanceAdmin",
};

void kg_conf_mapping_defaults(apr_pool_t *pool, kg_conf_mapping *m)
{
	size_t n = sizeof(domino_roles) / sizeof(domino_roles[0]);

	memset(m, 0, sizeof(*m));
	m->roles = apr_array_make(pool, (int)n, sizeof(const char *));
	for (size_t i = 0; i < n; i++)
		APR_ARRAY_PUSH(m->roles, const char *) = domino_roles[i];
	m->default_role = "Practitioner";
	m->role_sync = true;
	m->external_orgs = false;
	m->gate_values = apr_array_make(pool, 1, sizeof(const char *));
	m->gate_missing = KG_GATE_MISSING_DENY;
	m->gate_message = "userNotAssignedToDominoInIdp";
	m->attr_roles = "domino-system-roles";
	m->attr_orgs = "domino-groups";
	m->attr_gate = "accessforDomino";
	m->attr_aws_roles = "aws-roles";
	m->attr_aws_session_name = "aws-role-session-name";
	m->attr_aws_session_duration = "aws-session-duration";
}

bool kg_conf_mapping_has_role(const kg_conf_mapping *m, const char *role)
{
	for (int i = 0; i < m->roles->nelts; i++) {
		if (strcmp(APR_ARRAY_IDX(m->roles, i, const char *), role) == 0)
			return true;
	}
	return false;
}

/* Copies argv into a fresh list, refusing empty words. */
static const char *copy_list(apr_pool_t *pool, apr_array_header_t **list,
			     int argc, const char *const *argv, int *bad_arg)
{
	apr_array_header_t *out =
		apr_array_make(pool, argc > 0 ? argc : 1, sizeof(const char *));

	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '\0') {
			*bad_arg = i;
			return "empty value";
		}
		APR_ARRAY_PUSH(out, const char *) = apr_pstrdup(pool, argv[i]);
	}
	*list = out;
	return NULL;
}

static const char *set_roles(const kg_directive *self, apr_pool_t *pool,
			     kg_conf *conf, int argc, const char *const *argv,
			     int *bad_arg)
{
	return copy_list(pool, &conf->mapping.roles, argc, argv, bad_arg);
}

static const char *set_default_role(const kg_directive *self, apr_pool_t *pool,
				    kg_conf *conf, int argc,
				    const char *const *argv, int *bad_arg)
{
	if (strcmp(argv[0], "none") == 0)
		conf->mapping.default_role = NULL;
	else
		conf->mapping.default_role = apr_pstrdup(pool, argv[0]);
	return NULL;
}

static const char *set_role_sync(const kg_directive *self, apr_pool_t *pool,
				 kg_conf *conf, int argc,
				 const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_flag(argv[0], &conf->mapping.role_sync);
}

static const char *set_external_orgs(const kg_directive *self, apr_pool_t *pool,
				     kg_conf *conf, int argc,
				     const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_flag(argv[0], &conf->mapping.external_orgs);
}

static const char *set_gate(const kg_directive *self, apr_pool_t *pool,
			    kg_conf *conf, int argc, const char *const *argv,
			    int *bad_arg)
{
	return copy_list(pool, &conf->mapping.gate_values, argc, argv, bad_arg);
}

static const char *set_gate_missing(const kg_directive *self, apr_pool_t *pool,
				    kg_conf *conf, int argc,
				    const char *const *argv, int *bad_arg)
{
	bool allow;
	const char *err =
		kg_directive_choice(pool, argv[0], "Allow", "Deny", &allow);

	*bad_arg = 0;
	if (err == NULL)
		conf->mapping.gate_missing =
			allow ? KG_GATE_MISSING_ALLOW : KG_GATE_MISSING_DENY;
	return err;
}

static const char *set_gate_message(const kg_directive *self, apr_pool_t *pool,
				    kg_conf *conf, int argc,
				    const char *const *argv, int *bad_arg)
{
	conf->mapping.gate_message = apr_pstrdup(pool, argv[0]);
	return NULL;
}

static const char *set_mapper_file(const kg_directive *self, apr_pool_t *pool,
				   kg_conf *conf, int argc,
				   const char *const *argv, int *bad_arg)
{
	conf->mapping.mapper_file = apr_pstrdup(pool, argv[0]);
	return NULL;
}

static const char *set_username_space(const kg_directive *self,
				      apr_pool_t *pool, kg_conf *conf, int argc,
				      const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_choice(pool, argv[0], "trim", "refuse",
				   &conf->mapping.username_space_trim);
}

static const char *set_username_case(const kg_directive *self, apr_pool_t *pool,
				     kg_conf *conf, int argc,
				     const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_choice(pool, argv[0], "lower", "refuse",
				   &conf->mapping.username_case_lower);
}

static const char *set_email_collision(const kg_directive *self,
				       apr_pool_t *pool, kg_conf *conf,
				       int argc, const char *const *argv,
				       int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_choice(pool, argv[0], "link", "deny",
				   &conf->mapping.email_link);
}

const kg_directive kg_conf_mapping_directives[] = {
	{"KeygateMappers", 1, 1, set_mapper_file, "FILE",
	 "the mapper file: JSON in the shape of a Keycloak realm export"},
	{"KeygateRoles", 1, -1, set_roles, "ROLE...",
	 "the Domino role names a mapped value may grant (exact, "
	 "case-sensitive)"},
	{"KeygateDefaultRole", 1, 1, set_default_role, "ROLE|none",
	 "the role a user with no mapped role gets"},
	{"KeygateRoleSync", 1, 1, set_role_sync, "On|Off",
	 "mapped roles replace the stored roles at every login"},
	{"KeygateExternalOrgs", 1, 1, set_external_orgs, "On|Off",
	 "organizations come from the organizations attribute "
	 "(authentication.oidc.externalOrgsEnabled)"},
	{"KeygateAccessGate", 1, -1, set_gate, "VALUE...",
	 "the access-gate attribute must hold one of these values"},
	{"KeygateAccessGateMissing", 1, 1, set_gate_missing, "Allow|Deny",
	 "what a missing or empty access-gate attribute means"},
	{"KeygateAccessGateMessage", 1, 1, set_gate_message, "TEXT",
	 "the reason shown to a user the access gate denies"},
	{"KeygateRolesAttribute", 1, 1, kg_directive_set_name, "NAME",
	 "user attribute holding Domino system roles",
	 KG_CONF_OFFSET(mapping.attr_roles)},
	{"KeygateOrganizationsAttribute", 1, 1, kg_directive_set_name, "NAME",
	 "user attribute holding organization names",
	 KG_CONF_OFFSET(mapping.attr_orgs)},
	{"KeygateAccessGateAttribute", 1, 1, kg_directive_set_name, "NAME",
	 "user attribute the access gate reads",
	 KG_CONF_OFFSET(mapping.attr_gate)},
	{"KeygateAwsRolesAttribute", 1, 1, kg_directive_set_name, "NAME",
	 "user attribute holding `<provider arn>,<role arn>` pairs",
	 KG_CONF_OFFSET(mapping.attr_aws_roles)},
	{"KeygateAwsSessionNameAttribute", 1, 1, kg_directive_set_name, "NAME",
	 "user attribute holding the AWS role session name",
	 KG_CONF_OFFSET(mapping.attr_aws_session_name)},
	{"KeygateAwsSessionDurationAttribute", 1, 1, kg_directive_set_name,
	 "NAME", "user attribute holding the AWS session duration in seconds",
	 KG_CONF_OFFSET(mapping.attr_aws_session_duration)},
	{"KeygateUsernameSpace", 1, 1, set_username_space, "refuse|trim",
	 "a token's username with white space at an end or a control "
	 "character: refused (default) or trimmed"},
	{"KeygateUsernameCase", 1, 1, set_username_case, "refuse|lower",
	 "a token's username not in lower case: refused (default) or "
	 "lower-cased as Keycloak does"},
	{"KeygateEmailCollision", 1, 1, set_email_collision, "deny|link",
	 "a first login whose email another user holds: refused (default) "
	 "or linked to that user's id"},
	{NULL, 0, 0, NULL, NULL, NULL, 0},
};
