/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the AWS credential settings: defaults and directive setters.
 *
 * Setters only parse and store; cross-directive rules (a region when the
 * feature is on) are checked by kg_conf_finish.
 */
#include "conf/aws.h"
#include "conf/directives.h"
#include "conf/directive.h"

#include <apr_strings.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#define KG_TEN_YEARS_S (10LL * 366 * 24 * 3600)

void kg_conf_aws_defaults(kg_conf_aws *a)
{
	memset(a, 0, sizeof(*a));
	a->default_duration_s = 3600;
	a->timeout_s = 10;
	a->refresh_window_s = 600;
	a->max_roles = 10;
	a->bearer = true;
}

bool kg_conf_duration(const char *s, long long *seconds)
{
	static const char units[] = "hms";
	static const long long scale[] = {3600, 60, 1};
	long long total = 0;
	size_t next_unit = 0;

	if (s == NULL || *s == '\0')
		return false;
	if (strspn(s, "0123456789") == strlen(s))
		return kg_str_to_int(s, 1, KG_TEN_YEARS_S, seconds);
	while (*s) {
		long long n = 0;
		const char *u;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s)) {
			n = n * 10 + (*s++ - '0');
			if (n > KG_TEN_YEARS_S)
				return false;
		}
		u = *s ? strchr(units + next_unit, *s) : NULL;
		if (u == NULL)
			return false;
		next_unit = (size_t)(u - units) + 1;
		total += n * scale[u - units];
		if (total > KG_TEN_YEARS_S)
			return false;
		s++;
	}
	if (total == 0)
		return false;
	*seconds = total;
	return true;
}

/* A duration within [min, max] seconds, stored at the entry's offset. */
static const char *duration_between(apr_pool_t *pool, kg_conf *conf,
				    size_t offset, const char *arg,
				    long long min, long long max)
{
	long long s;

	if (!kg_conf_duration(arg, &s) || s < min || s > max)
		return kg_psprintf(pool,
				   "must be a duration such as 1h, 90m or "
				   "3600s, from %llds to %llds",
				   min, max);
	*(long long *)((char *)conf + offset) = s;
	return NULL;
}

/* KeygateAwsSessionDuration: STS's own bounds, 15 min to 12 h. */
static const char *set_session_duration(const kg_directive *self,
					apr_pool_t *pool, kg_conf *conf,
					int argc, const char *const *argv,
					int *bad_arg)
{
	*bad_arg = 0;
	return duration_between(pool, conf, self->offset, argv[0], 900, 43200);
}

/* KeygateAwsRefreshWindow: a refreshed credential lives one hour (the
 * role-chaining cap), so a window of 45 min or more would refresh on
 * every request. */
static const char *set_refresh_window(const kg_directive *self,
				      apr_pool_t *pool, kg_conf *conf, int argc,
				      const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return duration_between(pool, conf, self->offset, argv[0], 60, 2700);
}

static const char *set_timeout(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_number(pool, argv[0], 1, 120, &conf->aws.timeout_s);
}

static const char *set_max_roles(const kg_directive *self, apr_pool_t *pool,
				 kg_conf *conf, int argc,
				 const char *const *argv, int *bad_arg)
{
	long long n;
	const char *msg = kg_directive_number(pool, argv[0], 1, 50, &n);

	*bad_arg = 0;
	if (msg == NULL)
		conf->aws.max_roles = (int)n;
	return msg;
}

/* An AWS region: lower-case letters, digits and '-'. */
static const char *set_region(const kg_directive *self, apr_pool_t *pool,
			      kg_conf *conf, int argc, const char *const *argv,
			      int *bad_arg)
{
	const char *r = argv[0];

	*bad_arg = 0;
	if (strlen(r) < 4 || strlen(r) > 32 ||
	    strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(r))
		return "must be an AWS region such as us-west-2";
	conf->aws.region = apr_pstrdup(pool, r);
	return NULL;
}

/* https://..., or http:// to a loopback host (tests, local proxies): the
 * STS answer carries secrets. */
static const char *set_endpoint(const kg_directive *self, apr_pool_t *pool,
				kg_conf *conf, int argc,
				const char *const *argv, int *bad_arg)
{
	static const char *const plain_ok[] = {
		"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
		"http://localhost/", "http://[::1]:",	  "http://[::1]/"};
	const char *u = argv[0];
	bool ok = strncasecmp(u, "https://", 8) == 0 && u[8] != '\0';

	*bad_arg = 0;
	for (size_t i = 0; !ok && i < sizeof(plain_ok) / sizeof(*plain_ok); i++)
		ok = strncasecmp(u, plain_ok[i], strlen(plain_ok[i])) == 0;
	/* no userinfo: http://127.0.0.1:1@elsewhere/ goes elsewhere */
	if (ok && memchr(u, '@', strcspn(u + 8, "/?#") + 8))
		ok = false;
	if (!ok || strpbrk(u, " \t\r\n"))
		return "must be an https:// URL (http:// only to a loopback "
		       "host)";
	conf->aws.endpoint = apr_pstrdup(pool, u);
	return NULL;
}

/* KeygateAwsSAMLResponse login|separate */
static const char *set_source(const kg_directive *self, apr_pool_t *pool,
			      kg_conf *conf, int argc, const char *const *argv,
			      int *bad_arg)
{
	bool login = false;
	const char *msg =
		kg_directive_choice(pool, argv[0], "login", "separate", &login);

	*bad_arg = 0;
	if (msg == NULL)
		conf->aws.separate_response = !login;
	return msg;
}

/* A profile name as every SDK reads it: [A-Za-z0-9_.@+-]. */
static const char *set_profile(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	const char *p = argv[0];

	*bad_arg = 0;
	if (*p == '\0' || strlen(p) > 64 ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.@+-") != strlen(p))
		return "must be 1 to 64 of A-Z a-z 0-9 _ . @ + -";
	conf->aws.default_profile = apr_pstrdup(pool, p);
	return NULL;
}

/* An absolute directory; it is made (0700 per user) when files are
 * written. */
static const char *set_dir(const kg_directive *self, apr_pool_t *pool,
			   kg_conf *conf, int argc, const char *const *argv,
			   int *bad_arg)
{
	*bad_arg = 0;
	if (argv[0][0] != '/')
		return "must be an absolute directory path";
	conf->aws.credentials_dir = apr_pstrdup(pool, argv[0]);
	return NULL;
}

#define AWS(field) KG_CONF_OFFSET(aws.field)

const kg_directive kg_conf_aws_directives[] = {
	{"KeygateAwsCredentials", 1, 1, kg_directive_set_flag, "On|Off",
	 "assume the user's AWS roles with STS at SAML login and keep the "
	 "credentials fresh (default Off)",
	 AWS(enabled)},
	{"KeygateAwsRegion", 1, 1, set_region, "REGION",
	 "the STS region (com.cerebro.domino.auth.aws.sts.region)"},
	{"KeygateAwsSessionDuration", 1, 1, set_session_duration, "DURATION",
	 "credential lifetime asked for when the IdP sends no "
	 "SessionDuration (default 1h; 15m to 12h)",
	 AWS(default_duration_s)},
	{"KeygateAwsEndpoint", 1, 1, set_endpoint, "URL",
	 "STS endpoint override, for private endpoints and tests"},
	{"KeygateAwsCAFile", 1, 1, kg_directive_set_name, "FILE",
	 "PEM CA bundle for the STS endpoint (default: the system's)",
	 AWS(ca_file)},
	{"KeygateAwsTimeout", 1, 1, set_timeout, "SECONDS",
	 "time limit of one STS call attempt (default 10)"},
	{"KeygateAwsRefreshWindow", 1, 1, set_refresh_window, "DURATION",
	 "refresh credentials this long before they expire (default 10m)",
	 AWS(refresh_window_s)},
	{"KeygateAwsSAMLResponse", 1, 1, set_source, "login|separate",
	 "where the Response for STS comes from: the login itself, or the "
	 "IdP's AWS application posting to PREFIX aws/saml/ALIAS "
	 "(default login)"},
	{"KeygateAwsDefaultProfile", 1, 1, set_profile, "PROFILE",
	 "the profile [default] copies (default: the first role's)"},
	{"KeygateAwsCredentialsDir", 1, 1, set_dir, "DIR",
	 "also write DIR/USERNAME/.aws/credentials (0600) on every change"},
	{"KeygateAwsBearer", 1, 1, kg_directive_set_flag, "On|Off",
	 "bearer tokens keygate accepts may fetch their user's credentials "
	 "(default On)",
	 AWS(bearer)},
	{"KeygateAwsMaxRoles", 1, 1, set_max_roles, "N",
	 "roles assumed per login at most (default 10)"},
	{NULL, 0, 0, NULL, NULL, NULL, 0},
};
