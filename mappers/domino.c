/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Domino meaning of mapped user attributes: system roles,
 * organizations and AWS credential settings (shared/spec).
 */
#include "mappers/map.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <string.h>

static void warn(apr_pool_t *pool, kg_map_result *res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(apr_pool_t *pool, kg_map_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	APR_ARRAY_PUSH(res->warnings, const char *) =
		kg_pvsprintf(pool, fmt, ap);
	va_end(ap);
}

/* Roles: with role sync, the valid values of the roles attribute replace
 * the stored roles, except the roles that role mappers manage, which keep
 * what the mappers' sync modes made of them; without role sync, the stored
 * roles as the role mappers left them. An empty result gets the default
 * role. */
static void map_roles(apr_pool_t *pool, const kg_conf_mapping *conf,
		      kg_map_result *res)
{
	kg_user *u = res->user;
	const apr_array_header_t *values;
	apr_array_header_t *roles;

	if (conf->role_sync) {
		roles = apr_array_make(pool, 4, sizeof(const char *));
		values = kg_bag_get(u->attributes, conf->attr_roles);
		for (int i = 0; values && i < values->nelts; i++) {
			const char *r = APR_ARRAY_IDX(values, i, const char *);
			if (kg_conf_mapping_has_role(conf, r))
				kg_list_add_unique(roles, r);
			else
				warn(pool, res,
				     "\"%s\" value \"%s\" is not a Domino role "
				     "(exact, case-sensitive); dropped",
				     conf->attr_roles, r);
		}
		for (int i = 0; i < u->roles->nelts; i++) {
			const char *r =
				APR_ARRAY_IDX(u->roles, i, const char *);
			if (kg_values_contain(res->mapper_roles, r))
				kg_list_add_unique(roles, r);
		}
		u->roles = roles;
	}
	if (u->roles->nelts == 0 && conf->default_role) {
		APR_ARRAY_PUSH(u->roles, const char *) = conf->default_role;
		if (!res->first_login)
			warn(pool, res,
			     "no role was mapped; the default role \"%s\" "
			     "applies",
			     conf->default_role);
	}
}

static void map_organizations(apr_pool_t *pool, const kg_conf_mapping *conf,
			      kg_map_result *res)
{
	const apr_array_header_t *values;
	apr_array_header_t *orgs;

	if (!conf->external_orgs)
		return;
	orgs = apr_array_make(pool, 4, sizeof(const char *));
	values = kg_bag_get(res->user->attributes, conf->attr_orgs);
	for (int i = 0; values && i < values->nelts; i++) {
		const char *o = APR_ARRAY_IDX(values, i, const char *);
		if (o[0] != '\0')
			kg_list_add_unique(orgs, o);
	}
	res->user->organizations = orgs;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return n > 0;
}

/* IAM name characters: [A-Za-z0-9+=,.@_-] plus '/' for role paths. */
static bool iam_name(const char *s, bool allow_path)
{
	if (*s == '\0' || strlen(s) > 512)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("+=,.@_-", *s) ||
		      (allow_path && *s == '/')))
			return false;
	}
	return s[-1] != '/';
}

/* True when arn is arn:<partition>:iam::<12 digits>:<kind>/<name>. */
static bool is_iam_arn(const char *arn, const char *kind)
{
	static const char *const partitions[] = {"aws", "aws-cn", "aws-us-gov",
						 "aws-iso", "aws-iso-b"};
	size_t klen = strlen(kind);

	if (strncmp(arn, "arn:", 4) != 0)
		return false;
	arn += 4;
	for (size_t i = 0; i < sizeof(partitions) / sizeof(*partitions); i++) {
		size_t n = strlen(partitions[i]);
		if (strncmp(arn, partitions[i], n) != 0 ||
		    strncmp(arn + n, ":iam::", 6) != 0)
			continue;
		arn += n + 6;
		if (!all_digits(arn, 12) || arn[12] != ':' ||
		    strncmp(arn + 13, kind, klen) != 0 || arn[13 + klen] != '/')
			return false;
		return iam_name(arn + 14 + klen, strcmp(kind, "role") == 0);
	}
	return false;
}

static void map_aws_roles(apr_pool_t *pool, const kg_conf_mapping *conf,
			  kg_map_result *res)
{
	const apr_array_header_t *values =
		kg_bag_get(res->user->attributes, conf->attr_aws_roles);

	res->user->aws_roles = apr_array_make(pool, 2, sizeof(kg_aws_role));
	for (int i = 0; values && i < values->nelts; i++) {
		const char *v = APR_ARRAY_IDX(values, i, const char *);
		const char *comma = strchr(v, ',');
		const char *a, *b;
		kg_aws_role *r;

		if (comma == NULL || strchr(comma + 1, ',')) {
			warn(pool, res,
			     "\"%s\" value \"%s\" is not "
			     "\"<provider arn>,<role arn>\"; dropped",
			     conf->attr_aws_roles, v);
			continue;
		}
		a = kg_str_trim(pool,
				apr_pstrmemdup(pool, v, (size_t)(comma - v)));
		b = kg_str_trim(pool, comma + 1);
		if (is_iam_arn(b, "saml-provider") && is_iam_arn(a, "role")) {
			const char *t = a;
			a = b;
			b = t;
		}
		if (!is_iam_arn(a, "saml-provider") || !is_iam_arn(b, "role")) {
			warn(pool, res,
			     "\"%s\" value \"%s\" does not hold a SAML "
			     "provider "
			     "ARN and a role ARN; dropped",
			     conf->attr_aws_roles, v);
			continue;
		}
		r = apr_array_push(res->user->aws_roles);
		r->principal = a;
		r->role = b;
	}
}

/* RoleSessionName: 2 to 64 of [A-Za-z0-9+=,.@_-]. */
static bool is_session_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && n <= 64 && iam_name(s, false);
}

static void map_aws_session(apr_pool_t *pool, const kg_conf_mapping *conf,
			    kg_map_result *res)
{
	kg_user *u = res->user;
	const char *name =
		kg_bag_first(u->attributes, conf->attr_aws_session_name);
	const char *duration =
		kg_bag_first(u->attributes, conf->attr_aws_session_duration);
	long long seconds;

	u->aws_session_name = NULL;
	if (name && is_session_name(name))
		u->aws_session_name = name;
	else if (name)
		warn(pool, res,
		     "\"%s\" value \"%s\" is not a valid AWS role session "
		     "name (2-64 of A-Z a-z 0-9 +=,.@_-); ignored",
		     conf->attr_aws_session_name, name);
	u->aws_session_duration = -1;
	if (duration == NULL)
		return;
	if (!kg_str_to_int(duration, 1, 1LL << 31, &seconds)) {
		warn(pool, res,
		     "\"%s\" value \"%s\" is not a number of seconds; ignored",
		     conf->attr_aws_session_duration, duration);
		return;
	}
	if (seconds < 900 || seconds > 43200)
		warn(pool, res,
		     "\"%s\" is %lld s; STS accepts 900 to 43200 and will "
		     "clamp it",
		     conf->attr_aws_session_duration, seconds);
	u->aws_session_duration = seconds;
}

void kg_map_domino(apr_pool_t *pool, const kg_conf_mapping *conf,
		   kg_map_result *res)
{
	map_roles(pool, conf, res);
	map_organizations(pool, conf, res);
	map_aws_roles(pool, conf, res);
	map_aws_session(pool, conf, res);
}
