/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: the configuration records (config.c): per server, per
 * location, and what one request carries between hooks (authn, authz,
 * fixups): the caller and the identity headers for the backend.
 */
#ifndef KG_HTTPD_CONFIG_H
#define KG_HTTPD_CONFIG_H

#include "gateway/httpd/binding.h"

typedef struct {
	kg_caller caller;
	apr_table_t *backend_headers;
	bool keygate_rule_granted; /* a Require keygate-* rule granted r
				      (the admin API needs one) */
	bool admin_seen;	   /* the admin handler answered or refused
				      r (and logged it) */
} kg_httpd_request_state;

/* The state of r, or NULL when keygate did not authenticate r. */
kg_httpd_request_state *kg_httpd_request_state_get(const request_rec *r);

/* Makes and attaches the state of r (in r->pool). */
kg_httpd_request_state *kg_httpd_request_state_new(request_rec *r);

/* The module record's configuration callbacks. A virtual host that sets
 * no Keygate directive uses the main server's gateway; one that sets any
 * has its own, complete settings. */
void *kg_httpd_create_server(apr_pool_t *p, server_rec *s);
void *kg_httpd_merge_server(apr_pool_t *p, void *base, void *add);
void *kg_httpd_create_location(apr_pool_t *p, char *dir);
void *kg_httpd_merge_location(apr_pool_t *p, void *base, void *add);

#endif
