/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the settings that turn mapped attributes into a Domino user:
 * the role list, the default role, role and organization sync, the access
 * gate, the attribute names, and the mapper file.
 */
#ifndef KG_CONF_MAPPING_H
#define KG_CONF_MAPPING_H

#include <apr_tables.h>
#include <stdbool.h>

typedef enum {
	KG_GATE_MISSING_DENY = 0, /* keygate's default */
	KG_GATE_MISSING_ALLOW	  /* what Domino's sample script does */
} kg_gate_missing;

typedef struct {
	apr_array_header_t *roles; /* const char *: the Domino role names */
	const char *default_role;  /* NULL: none */
	bool role_sync;		   /* mapped roles replace stored ones */
	bool external_orgs;	   /* authentication.oidc.externalOrgsEnabled */
	apr_array_header_t *gate_values; /* empty: the gate is off */
	kg_gate_missing gate_missing;
	const char *gate_message;	       /* shown to a denied user */
	const char *attr_roles;		       /* domino-system-roles */
	const char *attr_orgs;		       /* domino-groups */
	const char *attr_gate;		       /* accessforDomino */
	const char *attr_aws_roles;	       /* aws-roles */
	const char *attr_aws_session_name;     /* aws-role-session-name */
	const char *attr_aws_session_duration; /* aws-session-duration */
	const char *mapper_file;	       /* NULL: none configured */
	/* usernames from tokens (OIDC ID tokens, userinfo, bearer tokens) */
	bool username_space_trim; /* KeygateUsernameSpace trim: trim as Java
				     does; false (refuse, the default):
				     refuse white space at either end and
				     control characters anywhere */
	bool username_case_lower; /* KeygateUsernameCase lower: lower-case
				     as Keycloak does; false (refuse, the
				     default): refuse a username that is not
				     in lower case already */
	bool email_link; /* KeygateEmailCollision link: a first login whose
			    email another user id holds gets that id;
			    false (deny, the default): it is refused */
} kg_conf_mapping;

/* Fills m with the defaults of shared/spec; strings are static. */
void kg_conf_mapping_defaults(apr_pool_t *pool, kg_conf_mapping *m);

/* True when role is one of the configured Domino roles (exact,
 * case-sensitive, as Domino's docs require). */
bool kg_conf_mapping_has_role(const kg_conf_mapping *m, const char *role);

#endif
