/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML AuthnRequest: signed (RSA-SHA256), over
 * HTTP-Redirect, asking for the configured NameID format and the ACS over
 * HTTP-POST.
 */
#include "gateway/proto/saml/saml_int.h"

#include <apr_strings.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_name_id_policy.h>

kg_rc kg_saml_login_url(kg_saml *s, apr_pool_t *pool, const char *origin,
			const char *relay_state, bool fresh_auth,
			const char **url, const char **request_id, kg_err *err)
{
	kg_saml_server *st = kg_saml_acquire(s);
	LassoLogin *login = lasso_login_new(kg_saml_lasso(st));
	LassoProfile *profile;
	LassoSamlp2AuthnRequest *request;
	kg_rc rc = KG_OK;
	int lrc;

	if (login == NULL) {
		kg_saml_release(s, st);
		return kg_err_set(err, KG_EINTERNAL, "lasso_login_new failed");
	}
	profile = LASSO_PROFILE(login);
	lrc = lasso_login_init_authn_request(login, s->idp_entity_id,
					     LASSO_HTTP_METHOD_REDIRECT);
	if (lrc != 0) {
		rc = kg_err_set(err, KG_ECONFIG,
				"saml %s: no AuthnRequest for the IdP: %s",
				s->sp.alias, lasso_strerror(lrc));
		goto done;
	}
	request = LASSO_SAMLP2_AUTHN_REQUEST(profile->request);
	if (request->NameIDPolicy == NULL)
		request->NameIDPolicy = LASSO_SAMLP2_NAME_ID_POLICY(
			lasso_samlp2_name_id_policy_new());
	kg_saml_set_string(&request->NameIDPolicy->Format,
			   s->conf->name_id_format);
	request->NameIDPolicy->AllowCreate = TRUE;
	request->ForceAuthn =
		(s->conf->force_authn || fresh_auth) ? TRUE : FALSE;
	request->IsPassive = s->conf->is_passive ? TRUE : FALSE;
	kg_saml_set_string(&request->AssertionConsumerServiceURL,
			   kg_saml_at(pool, origin, s->sp.acs_url));
	kg_saml_set_string(&request->ProtocolBinding, BINDING_POST);
	kg_saml_set_string(&profile->msg_relayState, relay_state);
	lasso_profile_set_signature_hint(profile,
					 LASSO_PROFILE_SIGNATURE_HINT_FORCE);
	lrc = lasso_login_build_authn_request_msg(login);
	if (lrc != 0 || profile->msg_url == NULL ||
	    LASSO_SAMLP2_REQUEST_ABSTRACT(request)->ID == NULL) {
		rc = kg_err_set(err, KG_EINTERNAL,
				"saml %s: the AuthnRequest was not built: %s",
				s->sp.alias, lasso_strerror(lrc));
		goto done;
	}
	*url = apr_pstrdup(pool, profile->msg_url);
	*request_id =
		apr_pstrdup(pool, LASSO_SAMLP2_REQUEST_ABSTRACT(request)->ID);
done:
	lasso_login_destroy(login);
	kg_saml_release(s, st);
	return rc;
}
