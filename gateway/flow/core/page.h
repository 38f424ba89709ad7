/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the one primitive that renders the pages a person sees
 * (conf/pages.h: sign-in, access denied, session limit, signed out,
 * error), and the one place a refusal becomes a page for a browser or a
 * JSON body for an API client, with a reference id that is also logged.
 */
#ifndef KG_FLOW_CORE_PAGE_H
#define KG_FLOW_CORE_PAGE_H

#include "gateway/flow/core/state.h"

/* The values of a page's placeholders; NULL reads as "". The *_html
 * ones are markup the caller built with every value escaped. */
typedef struct {
	const char *v[KG_PV_COUNT];
} kg_page_values;

/* Fills template id of conf with vals, escaping every value but the
 * *_html ones. In pool. */
const char *kg_page_render(apr_pool_t *pool, const kg_conf *conf, kg_page_id id,
			   const kg_page_values *vals);

/* True when a person's browser is asking (Accept names text/html and it
 * is no XHR), whatever the method: such a caller gets pages, others
 * JSON. */
bool kg_page_wants_html(const kg_req *req);

/* PREFIX login?return_to=BACK (BACK when local, else "/"), in pool;
 * with fresh_auth also &prompt=login, so the provider asks the person
 * to authenticate again (the denied page's "Sign in as someone else"). */
const char *kg_page_signin_url(const kg_gateway *gw, apr_pool_t *pool,
			       const char *back, bool fresh_auth);

/* A fresh reference id (8 characters, URL- and log-safe; "-" when no
 * random bytes could be read), in pool: what a refusal's page or JSON
 * body shows and its log line names. */
const char *kg_page_reference(apr_pool_t *pool);

/* Answers req with page id (status 200, 403, ...): the rendered page,
 * no-store, a Content-Security-Policy that allows no script and no
 * framing. Fills SIGNIN_URL (from RETURN_TO) and SIGNOUT_URL when the
 * caller left them NULL. */
void kg_page_reply(const kg_gateway *gw, const kg_req *req, kg_resp *resp,
		   int status, kg_page_id id, kg_page_values *vals);

/* Turns a refusal (resp->action KG_RESP_FAIL) into its answer: a fresh
 * reference id, one log line with it (KG-0440 for the caller's mistakes,
 * KG-0441 for keygate's or a backend's), and a body: the error page for
 * a browser, else JSON {"error","reason","reference"} with the RFC 6750
 * error code (also in WWW-Authenticate on a 401). The status stays the
 * binding's to map from resp->rc. Anything else is left alone. */
void kg_page_fail(const kg_gateway *gw, const kg_req *req, const kg_log *log,
		  kg_resp *resp);

/* Keycloak's text for a session-limit refusal when message is NULL or
 * the raw key "sessionLimitExceeded"; else message. */
const char *kg_page_limit_text(const char *message);

#endif
