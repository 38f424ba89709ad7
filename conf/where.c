/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: where each directive was set, and the roles `Require
 * keygate-role` lines name, for the checks that report them
 * (conf/checks.c). Its own file so the checks and kg_conf_finish call
 * downward only.
 */
#include "conf/conf.h"

#include <apr_strings.h>

void kg_conf_note(kg_conf *conf, apr_pool_t *pool, const char *directive,
		  const char *where)
{
	if (conf->where && directive && where)
		apr_hash_set(conf->where, apr_pstrdup(pool, directive),
			     APR_HASH_KEY_STRING, apr_pstrdup(pool, where));
	if (conf->first_where == NULL && where)
		conf->first_where = apr_pstrdup(pool, where);
	if (where)
		kg_conf_providers_note(&conf->providers, pool, where);
}

void kg_conf_require_role(kg_conf *conf, apr_pool_t *pool, const char *role,
			  const char *where)
{
	kg_conf_required *r = apr_array_push(conf->required);

	r->role = apr_pstrdup(pool, role);
	r->where = where ? apr_pstrdup(pool, where) : "Require";
}

const char *kg_conf_where(const kg_conf *conf, const char *directive)
{
	return conf->where ? apr_hash_get(conf->where, directive,
					  APR_HASH_KEY_STRING)
			   : NULL;
}
