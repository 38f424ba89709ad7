/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the settings table shared by httpd and the config file.
 */
#include "conf/directive.h"
#include "gateway/base/str.h"
#include "conf/gateway_directives.h"
#include "conf/mapping_directives.h"
#include "conf/oidc_directives.h"
#include "conf/saml_directives.h"
#include "conf/aws_directives.h"
#include "conf/sessions_directives.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

/* Every concern's table, in the order the docs list them. */
static const kg_directive *const tables[] = {
	kg_conf_gateway_directives,  kg_conf_mapping_directives,
	kg_conf_sessions_directives, kg_conf_oidc_directives,
	kg_conf_saml_directives,     kg_conf_aws_directives,
};

#define KG_DIRECTIVES_MAX 256

const kg_directive *const *kg_directive_all(void)
{
	static const kg_directive *all[KG_DIRECTIVES_MAX + 1];
	size_t n = 0;

	if (all[0] != NULL)
		return all;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const kg_directive *d = tables[t]; d->name; d++) {
			if (n < KG_DIRECTIVES_MAX)
				all[n++] = d;
		}
	}
	all[n] = NULL;
	return all;
}

const kg_directive *kg_directive_find(const char *name)
{
	for (const kg_directive *const *d = kg_directive_all(); *d; d++) {
		if (strcasecmp((*d)->name, name) == 0)
			return *d;
	}
	return NULL;
}

const char *kg_directive_apply(const kg_directive *d, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	*bad_arg = -1;
	if (argc < d->min_args) {
		return kg_psprintf(
			pool, "%s takes %s%d argument%s (%s)", d->name,
			d->max_args == d->min_args ? "" : "at least ",
			d->min_args, d->min_args == 1 ? "" : "s", d->syntax);
	}
	if (d->max_args >= 0 && argc > d->max_args) {
		*bad_arg = d->max_args;
		return kg_psprintf(pool, "%s takes at most %d argument%s (%s)",
				   d->name, d->max_args,
				   d->max_args == 1 ? "" : "s", d->syntax);
	}
	return d->set(d, pool, conf, argc, argv, bad_arg);
}

const char *kg_directive_set_name(const kg_directive *self, apr_pool_t *pool,
				  kg_conf *conf, int argc,
				  const char *const *argv, int *bad_arg)
{
	const char **field = (const char **)((char *)conf + self->offset);

	if (argv[0][0] == '\0') {
		*bad_arg = 0;
		return "must not be empty";
	}
	*field = apr_pstrdup(pool, argv[0]);
	return NULL;
}

const char *kg_directive_flag(const char *arg, bool *out)
{
	if (strcasecmp(arg, "on") == 0)
		*out = true;
	else if (strcasecmp(arg, "off") == 0)
		*out = false;
	else
		return "must be On or Off";
	return NULL;
}

const char *kg_directive_set_flag(const kg_directive *self, apr_pool_t *pool,
				  kg_conf *conf, int argc,
				  const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_flag(argv[0],
				 (bool *)((char *)conf + self->offset));
}

const char *kg_directive_choice(apr_pool_t *pool, const char *arg,
				const char *first, const char *second,
				bool *out)
{
	if (strcasecmp(arg, first) == 0)
		*out = true;
	else if (strcasecmp(arg, second) == 0)
		*out = false;
	else
		return kg_psprintf(pool, "must be %s or %s", first, second);
	return NULL;
}

const char *kg_directive_number(apr_pool_t *pool, const char *arg,
				long long min, long long max, long long *out)
{
	if (!kg_str_to_int(arg, min, max, out))
		return kg_psprintf(pool,
				   "must be a whole number from %lld to %lld",
				   min, max);
	return NULL;
}
