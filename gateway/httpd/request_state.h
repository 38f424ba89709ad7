/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: what one request carries between hooks (authn, authz,
 * fixups): the caller and the identity headers for the backend.
 */
#ifndef KG_HTTPD_REQUEST_STATE_H
#define KG_HTTPD_REQUEST_STATE_H

#include "gateway/httpd/binding.h"

typedef struct {
	kg_caller caller;
	apr_table_t *backend_headers;
} kg_httpd_request_state;

/* The state of r, or NULL when keygate did not authenticate r. */
kg_httpd_request_state *kg_httpd_request_state_get(const request_rec *r);

/* Makes and attaches the state of r (in r->pool). */
kg_httpd_request_state *kg_httpd_request_state_new(request_rec *r);

#endif
