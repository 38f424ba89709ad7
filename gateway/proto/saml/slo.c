/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML single logout messages keygate sends: an
 * SP-initiated LogoutRequest, and the answer to an IdP's LogoutRequest
 * that slo_receive.c has read and verified. Both signed (RSA-SHA256), over
 * HTTP-Redirect.
 *
 * lasso's logout profile wants a session with the IdP's assertion;
 * keygate keeps only the NameID and SessionIndex, so it gives lasso a
 * session holding a bare assertion with just those.
 */
#include "gateway/proto/saml/saml_int.h"

#include <apr_strings.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_authn_statement.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_subject.h>
#include <lasso/xml/saml-2.0/samlp2_logout_request.h>

/* Gives profile a session holding one bare assertion from the IdP with
 * name_id (referenced, not taken) and session_index: what lasso's logout
 * profile looks up. */
static kg_rc give_session(kg_saml *s, LassoProfile *profile,
			  LassoSaml2NameID *name_id, const char *session_index,
			  kg_err *err)
{
	LassoSaml2Assertion *a =
		LASSO_SAML2_ASSERTION(lasso_saml2_assertion_new());
	LassoSession *session = lasso_session_new();
	gchar *dump = NULL;
	int lrc;

	a->Subject = LASSO_SAML2_SUBJECT(lasso_saml2_subject_new());
	a->Subject->NameID = g_object_ref(name_id);
	if (session_index) {
		LassoSaml2AuthnStatement *st = LASSO_SAML2_AUTHN_STATEMENT(
			lasso_saml2_authn_statement_new());
		st->SessionIndex = g_strdup(session_index);
		a->AuthnStatement = g_list_append(NULL, st);
	}
	lrc = lasso_session_add_assertion(session, s->idp_entity_id,
					  LASSO_NODE(a));
	if (lrc == 0 && (dump = lasso_session_dump(session)) != NULL)
		lrc = lasso_profile_set_session_from_dump(profile, dump);
	g_free(dump);
	lasso_session_destroy(session);
	lasso_node_destroy(LASSO_NODE(a));
	if (lrc != 0)
		return kg_err_set(
			err, KG_EINTERNAL,
			"saml %s: no lasso session for the logout: %s",
			s->sp.alias, lasso_strerror(lrc));
	return KG_OK;
}

/* True when the IdP's metadata in server has an HTTP-Redirect SLO
 * service. */
static bool idp_has_redirect_slo(kg_saml *s, LassoServer *server)
{
	LassoProvider *idp =
		lasso_server_get_provider(server, s->idp_entity_id);
	gchar *url = idp ? lasso_provider_get_metadata_one(
				   idp, "SingleLogoutService HTTP-Redirect")
			 : NULL;
	bool has = url != NULL;

	g_free(url);
	return has;
}

kg_rc kg_saml_logout_url(kg_saml *s, apr_pool_t *pool,
			 const kg_saml_subject *who, const char *relay_state,
			 const char **url, const char **request_id, kg_err *err)
{
	kg_saml_server *st = kg_saml_acquire(s);
	LassoLogout *logout = NULL;
	LassoProfile *profile;
	LassoSaml2NameID *name_id;
	kg_rc rc = KG_OK;
	int lrc;

	if (!idp_has_redirect_slo(s, kg_saml_lasso(st))) {
		rc = kg_err_set(err, KG_ENOTFOUND,
				"saml %s: the IdP offers no HTTP-Redirect "
				"SingleLogoutService",
				s->sp.alias);
		goto done;
	}
	if ((logout = lasso_logout_new(kg_saml_lasso(st))) == NULL) {
		rc = kg_err_set(err, KG_EINTERNAL, "lasso_logout_new failed");
		goto done;
	}
	profile = LASSO_PROFILE(logout);
	name_id = LASSO_SAML2_NAME_ID(
		lasso_saml2_name_id_new_with_string((char *)who->name_id));
	if (who->name_id_format)
		name_id->Format = g_strdup(who->name_id_format);
	rc = give_session(s, profile, name_id, who->session_index, err);
	lasso_node_destroy(LASSO_NODE(name_id));
	if (rc != KG_OK)
		goto done;
	lrc = lasso_logout_init_request(logout, (char *)s->idp_entity_id,
					LASSO_HTTP_METHOD_REDIRECT);
	if (lrc == 0) {
		kg_saml_set_string(&profile->msg_relayState, relay_state);
		lasso_profile_set_signature_hint(
			profile, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
		lrc = lasso_logout_build_request_msg(logout);
	}
	if (lrc != 0 || profile->msg_url == NULL || profile->request == NULL) {
		rc = kg_err_set(err, KG_EINTERNAL,
				"saml %s: the LogoutRequest was not built: %s",
				s->sp.alias, lasso_strerror(lrc));
		goto done;
	}
	*url = apr_pstrdup(pool, profile->msg_url);
	*request_id = apr_pstrdup(
		pool, LASSO_SAMLP2_REQUEST_ABSTRACT(profile->request)->ID);
done:
	if (logout)
		lasso_logout_destroy(logout);
	kg_saml_release(s, st);
	return rc;
}

kg_rc kg_saml_slo_answer(kg_saml_slo *slo, apr_pool_t *pool, const char **url,
			 kg_err *err)
{
	LassoProfile *profile;
	LassoSamlp2LogoutRequest *req;
	kg_rc rc;
	int lrc;

	if (slo->logout == NULL)
		return kg_err_set(err, KG_EINTERNAL,
				  "only a LogoutRequest is answered");
	profile = LASSO_PROFILE(slo->logout);
	req = LASSO_SAMLP2_LOGOUT_REQUEST(profile->request);
	/* lasso finds no session in an assertion without an AuthnStatement:
	 * a request that names no SessionIndex gets a stand-in one */
	rc = give_session(slo->s, profile, req->NameID,
			  slo->msg.session_index ? slo->msg.session_index
						 : "_keygate",
			  err);
	if (rc != KG_OK)
		return rc;
	lrc = lasso_logout_validate_request(slo->logout);
	if (lrc == 0) {
		/* keygate answers over HTTP-Redirect whatever the binding of
		 * the request */
		profile->http_request_method = LASSO_HTTP_METHOD_REDIRECT;
		slo->logout->initial_http_request_method =
			LASSO_HTTP_METHOD_REDIRECT;
		kg_saml_set_string(&profile->msg_relayState,
				   slo->relay_state && *slo->relay_state
					   ? slo->relay_state
					   : NULL);
		lasso_profile_set_signature_hint(
			profile, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
		lrc = lasso_logout_build_response_msg(slo->logout);
	}
	if (lrc != 0 || profile->msg_url == NULL)
		return kg_err_set(err, KG_EINTERNAL,
				  "saml %s: the LogoutResponse was not built: "
				  "%s",
				  slo->s->sp.alias, lasso_strerror(lrc));
	*url = apr_pstrdup(pool, profile->msg_url);
	return KG_OK;
}
