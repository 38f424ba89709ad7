/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: PREFIX logout, the user's own sign-out.
 */
#include "gateway/flow/logout/logout.h"
#include "gateway/flow/aws/file.h"
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/core/redirect.h"
#include "gateway/flow/core/origin.h"
#include "gateway/flow/core/page.h"

#include <apr_strings.h>
#include <string.h>

/* GET or POST logout: ends the session and clears the cookie, then goes
 * to the provider's end_session_endpoint (OIDC sessions, when it has
 * one), to the IdP's SLO service with a signed LogoutRequest (SAML
 * sessions, when it has one), or straight to the local return_to (or
 * "/" when it is not local). Without a return_to the way ends on the
 * signed-out page, PREFIX signed-out. */
void kg_logout_local(kg_gateway *gw, kg_req *req, const char *alias,
		     const kg_log *log, kg_resp *resp)
{
	kg_sess_record *rec = NULL;
	kg_err err = {0};
	kg_rc rc = kg_authn_session(gw, req, log, &rec, &err);
	const char *back =
		kg_req_param(req, "return_to")
			? kg_redirect_return_to(req, log)
			: apr_pstrcat(req->pool, gw->conf->gateway.prefix,
				      "signed-out", NULL);
	const char *op_logout = NULL;

	if (rc == KG_OK) {
		rc = kg_sess_store_delete(gw->store, req->pool, rec, "logout",
					  &err);
		if (rc == KG_OK && rec->state.sts_credentials)
			kg_aws_remove_file(gw, req->pool, rec->user->username);
		/* RP-initiated logout at the provider, when it offers one */
		kg_oidc *oidc = strcmp(rec->protocol, "oidc") == 0
					? kg_state_oidc(gw, rec->idp, NULL)
					: NULL;
		if (rc == KG_OK && oidc && rec->state.oidc_id_token)
			op_logout = kg_oidc_logout_url(
				oidc, req->pool, rec->state.oidc_id_token,
				apr_pstrcat(req->pool, kg_origin(gw, req), back,
					    NULL));
	}
	if (rc != KG_OK && rc != KG_ENOTFOUND) {
		kg_resp_fail(resp, rc, "cache_unavailable");
		return;
	}
	apr_table_addn(resp->headers, "Set-Cookie",
		       kg_sess_cookie_header(req->pool, &gw->conf->sessions, "",
					     0,
					     kg_origin_cookie_secure(gw, req)));
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	if (rc == KG_OK && op_logout == NULL &&
	    kg_logout_saml_start(gw, req, log, rec, back, resp))
		return;
	kg_resp_redirect(resp, op_logout ? op_logout : back);
}

void kg_logout_signed_out(kg_gateway *gw, kg_req *req, const char *alias,
			  const kg_log *log, kg_resp *resp)
{
	kg_page_values vals = {{NULL}};

	vals.v[KG_PV_TITLE] = "You are signed out";
	vals.v[KG_PV_MESSAGE] = "You have signed out of Domino. Close the "
				"browser if others use this computer.";
	vals.v[KG_PV_RETURN_TO] = "/";
	kg_page_reply(gw, req, resp, 200, KG_PAGE_SIGNED_OUT, &vals);
}
