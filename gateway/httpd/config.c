/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: the module's configuration records: per server, per
 * location and per request, made, merged and found.
 */
#include "gateway/httpd/config.h"

#include <apr_strings.h>
#include <http_config.h>

kg_httpd_server *kg_httpd_server_get(const server_rec *s)
{
	return ap_get_module_config(s->module_config, &keygate_module);
}

kg_conf_location *kg_httpd_location_get(const request_rec *r)
{
	return ap_get_module_config(r->per_dir_config, &keygate_module);
}

kg_httpd_request_state *kg_httpd_request_state_get(const request_rec *r)
{
	return ap_get_module_config(r->request_config, &keygate_module);
}

kg_httpd_request_state *kg_httpd_request_state_new(request_rec *r)
{
	kg_httpd_request_state *st = apr_pcalloc(r->pool, sizeof(*st));

	ap_set_module_config(r->request_config, &keygate_module, st);
	return st;
}

void *kg_httpd_create_server(apr_pool_t *p, server_rec *s)
{
	kg_httpd_server *srv = apr_pcalloc(p, sizeof(*srv));

	srv->conf = kg_conf_make(p);
	return srv;
}

/* A virtual host that sets no Keygate directive uses the main server's
 * gateway (and passes it the roles its Require lines name); one that
 * sets any has its own, complete settings. */
void *kg_httpd_merge_server(apr_pool_t *p, void *base, void *add)
{
	kg_httpd_server *b = base, *a = add;

	if (a->configured)
		return a;
	/* its `Require keygate-role` lines are checked against the main
	 * server's roles, the gateway it uses */
	if (a->conf->required->nelts > 0)
		apr_array_cat(b->conf->required, a->conf->required);
	return b;
}

void *kg_httpd_create_location(apr_pool_t *p, char *dir)
{
	return kg_conf_location_make(p);
}

void *kg_httpd_merge_location(apr_pool_t *p, void *base, void *add)
{
	return kg_conf_location_merge(p, base, add);
}
