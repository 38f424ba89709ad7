/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: applying one directive, and the setters the tables share.
 */
#include "conf/directive.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

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

const char *kg_directive_shown(apr_pool_t *pool, const char *name,
			       const char *arg)
{
	const char *auth = arg ? strstr(arg, "://") : NULL;
	const char *end, *at = NULL, *colon;

	if (arg && (strstr(name, "Password") || strstr(name, "Secret")) &&
	    strncmp(arg, "file:", 5) != 0)
		return "********";
	if (auth == NULL)
		return arg;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++) /* the last '@' */
		if (*p == '@')
			at = p;
	if (at == NULL ||
	    (colon = memchr(auth, ':', (size_t)(at - auth))) == NULL)
		return arg;
	return apr_pstrcat(pool,
			   apr_pstrmemdup(pool, arg, (size_t)(colon + 1 - arg)),
			   "********", at, NULL);
}
