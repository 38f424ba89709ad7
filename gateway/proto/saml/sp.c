/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML 2.0 service provider: SP metadata, signed
 * AuthnRequests and the ACS checks. The only file that includes lasso.
 *
 * At the ACS lasso verifies the signatures (keys only from the IdP's
 * metadata) and decrypts; around it keygate checks, on its own DOM of the
 * Response, what lasso leaves to the caller (saml_dom.c, no lasso there):
 * one assertion and unique IDs, the signatures' shape, Issuer,
 * Destination, Audience, the bearer SubjectConfirmationData, the times
 * with the skew, and InResponseTo against this browser's request.
 *
 * Single logout: SP-initiated LogoutRequests and the IdP's answers, and
 * IdP-initiated LogoutRequests with keygate's answer, over HTTP-Redirect
 * (and POST for what the IdP sends). lasso's logout profile wants a
 * session with the IdP's assertion; keygate keeps only the NameID and
 * SessionIndex, so it gives lasso a session holding a bare assertion
 * with just those.
 */
#include "gateway/base/time.h"
#include "gateway/proto/saml/saml.h"
#include "gateway/proto/saml/dom.h"
#include "gateway/base/str.h"
#include "gateway/proto/saml/assertion.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <lasso/lasso.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_name_id_policy.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_authn_statement.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_subject.h>
#include <lasso/xml/saml-2.0/samlp2_logout_request.h>
#include <lasso/xml/saml-2.0/samlp2_logout_response.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <time.h>

#define BINDING_POST "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

/* A lasso server for one version of the IdP's metadata. Requests hold a
 * reference while they use it, so a metadata refresh never frees a
 * server in use. */
typedef struct {
	LassoServer *server;
	int refs; /* under kg_saml.lock */
} idp_state;

struct kg_saml {
	const kg_conf_saml *conf;
	kg_saml_sp sp; /* key and certificate texts kept for refreshes */
	const char *metadata; /* ours */
	const char *cert_b64; /* the SP certificate, for metadata_at */
	const char *idp_entity_id; /* the same across refreshes */
	GMutex lock;
	idp_state *current; /* holds one reference of its own */
};

/* lasso_init once per process, before any thread uses lasso. */
static bool lasso_ready;

static bool ensure_lasso(kg_err *err)
{
	if (!lasso_ready) {
		if (lasso_init() != 0) {
			kg_err_set(err, KG_ECONFIG, "lasso does not initialise");
			return false;
		}
		lasso_ready = true;
	}
	return true;
}

/* The current server, with a reference the caller gives back with
 * release. */
static idp_state *acquire(kg_saml *s)
{
	idp_state *st;

	g_mutex_lock(&s->lock);
	st = s->current;
	st->refs++;
	g_mutex_unlock(&s->lock);
	return st;
}

/* Gives back a reference; the last one frees the server. */
static void release(kg_saml *s, idp_state *st)
{
	bool last;

	g_mutex_lock(&s->lock);
	last = --st->refs == 0;
	g_mutex_unlock(&s->lock);
	if (last) {
		lasso_server_destroy(st->server);
		g_free(st);
	}
}

/* Pool cleanup of a kg_saml: drops the current server's own reference. */
static apr_status_t saml_free(void *data)
{
	kg_saml *s = data;

	if (s->current)
		release(s, s->current);
	s->current = NULL;
	g_mutex_clear(&s->lock);
	return APR_SUCCESS;
}

/* The base64 body of a PEM certificate, on one line. */
static const char *pem_body(apr_pool_t *pool, const char *pem)
{
	kg_buf b;
	const char *p = strstr(pem, "-----BEGIN CERTIFICATE-----");

	if (p == NULL)
		return NULL;
	p += strlen("-----BEGIN CERTIFICATE-----");
	kg_buf_init(&b, pool, strlen(p) + 1);
	for (; *p && *p != '-'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '+' || *p == '/' ||
		    *p == '=')
			kg_buf_addc(&b, *p);
	}
	return strncmp(p, "-----END CERTIFICATE-----", 25) == 0 && b.len > 0
		       ? b.data
		       : NULL;
}

/* Text for an XML attribute value or element: & < > " escaped. */
static const char *xml_escape(apr_pool_t *pool, const char *s)
{
	kg_buf b;

	kg_buf_init(&b, pool, strlen(s) + 16);
	for (; *s; s++) {
		switch (*s) {
		case '&':
			kg_buf_adds(&b, "&amp;");
			break;
		case '<':
			kg_buf_adds(&b, "&lt;");
			break;
		case '>':
			kg_buf_adds(&b, "&gt;");
			break;
		case '"':
			kg_buf_adds(&b, "&quot;");
			break;
		default:
			kg_buf_addc(&b, *s);
		}
	}
	return b.data;
}

/* url at origin: a path (no KeygateBaseURL) is put after origin; a full
 * URL is kept. In pool. */
static const char *at(apr_pool_t *pool, const char *origin, const char *url)
{
	return url[0] == '/' && origin ? apr_pstrcat(pool, origin, url, NULL)
				       : url;
}

static const char *build_metadata(apr_pool_t *pool, const kg_saml *s,
				  const char *origin, const char *cert_b64)
{
	const char *key_info =
		kg_psprintf(pool,
			    "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s"
			    "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
			    cert_b64);

	return kg_psprintf(
		pool,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<md:EntityDescriptor "
		"xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
		"xmlns:ds=\"" NS_DS "\" entityID=\"%s\">\n"
		" <md:SPSSODescriptor AuthnRequestsSigned=\"true\" "
		"WantAssertionsSigned=\"true\" "
		"protocolSupportEnumeration=\"" NS_SAMLP "\">\n"
		"  <md:KeyDescriptor use=\"signing\">%s</md:KeyDescriptor>\n"
		"  <md:KeyDescriptor use=\"encryption\">%s</md:KeyDescriptor>\n"
		"  <md:SingleLogoutService Binding=\"" BINDING_REDIRECT
		"\" Location=\"%s\"/>\n"
		"  <md:SingleLogoutService Binding=\"" BINDING_POST
		"\" Location=\"%s\"/>\n"
		"  <md:NameIDFormat>%s</md:NameIDFormat>\n"
		"  <md:AssertionConsumerService index=\"0\" isDefault=\"true\" "
		"Binding=\"" BINDING_POST "\" Location=\"%s\"/>\n"
		" </md:SPSSODescriptor>\n"
		"</md:EntityDescriptor>\n",
		xml_escape(pool, s->sp.entity_id), key_info, key_info,
		xml_escape(pool, at(pool, origin, s->sp.slo_url)),
		xml_escape(pool, at(pool, origin, s->sp.slo_url)),
		xml_escape(pool, s->conf->name_id_format),
		xml_escape(pool, at(pool, origin, s->sp.acs_url)));
}

/* A lasso server for s with idp_metadata: s's SP key, certificate and
 * metadata, and exactly one IdP, whose entity ID goes to *entity_id (a
 * lasso string the server owns). NULL with err set otherwise. */
static LassoServer *new_server(kg_saml *s, const char *idp_metadata,
			       const char **entity_id, kg_err *err)
{
	LassoServer *server = lasso_server_new_from_buffers(
		s->metadata, s->sp.sp_key_pem, NULL, s->sp.sp_cert_pem);
	const char *why = NULL;
	GHashTableIter it;
	gpointer key;
	int n = 0;

	if (server == NULL) {
		kg_err_set(err, KG_ECONFIG,
			   "saml %s: the SP key and certificate do not load "
			   "into lasso",
			   s->sp.alias);
		return NULL;
	}
	server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
	if (lasso_server_set_encryption_private_key_with_password(
		    server, s->sp.sp_key_pem, NULL) != 0)
		why = "the SP key cannot decrypt";
	else if (lasso_server_add_provider_from_buffer(
			 server, LASSO_PROVIDER_ROLE_IDP, idp_metadata, NULL,
			 NULL) != 0)
		why = "the IdP metadata does not load";
	if (why) {
		kg_err_set(err, KG_ECONFIG, "saml %s: %s", s->sp.alias, why);
		lasso_server_destroy(server);
		return NULL;
	}
	g_hash_table_iter_init(&it, server->providers);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		*entity_id = key;
		n++;
	}
	if (n != 1) {
		kg_err_set(err, KG_ECONFIG,
			   "saml %s: the IdP metadata must describe exactly "
			   "one IdP (found %d)",
			   s->sp.alias, n);
		lasso_server_destroy(server);
		return NULL;
	}
	return server;
}

kg_rc kg_saml_open(apr_pool_t *pool, const kg_conf_saml *conf,
		   const kg_saml_sp *sp, kg_saml **out, kg_err *err)
{
	kg_saml *s = apr_pcalloc(pool, sizeof(*s));
	const char *cert_b64 = pem_body(pool, sp->sp_cert_pem);
	const char *entity_id;
	LassoServer *server;

	if (cert_b64 == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "saml %s: KeygateSAMLSPCert holds no PEM "
				  "certificate",
				  sp->alias);
	if (!ensure_lasso(err))
		return err->rc;
	s->conf = conf;
	s->sp = *sp;
	s->sp.alias = apr_pstrdup(pool, sp->alias);
	s->sp.entity_id = apr_pstrdup(pool, sp->entity_id);
	s->sp.acs_url = apr_pstrdup(pool, sp->acs_url);
	s->sp.slo_url = apr_pstrdup(pool, sp->slo_url);
	s->sp.idp_metadata = NULL; /* the current one is in the server */
	s->cert_b64 = cert_b64;
	s->metadata = build_metadata(pool, s, NULL, cert_b64);
	if ((server = new_server(s, sp->idp_metadata, &entity_id, err)) ==
	    NULL)
		return err->rc;
	s->idp_entity_id = apr_pstrdup(pool, entity_id);
	g_mutex_init(&s->lock);
	s->current = g_new0(idp_state, 1);
	s->current->server = server;
	s->current->refs = 1;
	apr_pool_cleanup_register(pool, s, saml_free, apr_pool_cleanup_null);
	*out = s;
	return KG_OK;
}

kg_rc kg_saml_set_idp_metadata(kg_saml *s, const char *idp_metadata,
			       kg_err *err)
{
	const char *entity_id = NULL;
	LassoServer *server = new_server(s, idp_metadata, &entity_id, err);
	idp_state *st, *old;

	if (server == NULL)
		return KG_EINVAL;
	if (strcmp(entity_id, s->idp_entity_id) != 0) {
		/* entity_id belongs to server: the message first */
		kg_err_set(err, KG_EINVAL,
			   "saml %s: the new metadata names another IdP "
			   "(entity ID %.128s)",
			   s->sp.alias, entity_id);
		lasso_server_destroy(server);
		return KG_EINVAL;
	}
	st = g_new0(idp_state, 1);
	st->server = server;
	st->refs = 1;
	g_mutex_lock(&s->lock);
	old = s->current;
	s->current = st;
	g_mutex_unlock(&s->lock);
	release(s, old);
	return KG_OK;
}

const char *kg_saml_metadata(const kg_saml *s, apr_pool_t *pool,
			     const char *origin)
{
	if (origin == NULL ||
	    (s->sp.acs_url[0] != '/' && s->sp.slo_url[0] != '/'))
		return s->metadata;
	return build_metadata(pool, s, origin, s->cert_b64);
}

const char *kg_saml_idp_entity_id(const kg_saml *s)
{
	return s->idp_entity_id;
}

/* Replaces a lasso string field with a copy of v (lasso frees it). */
static void set_string(gchar **field, const char *v)
{
	g_free(*field);
	*field = g_strdup(v);
}

kg_rc kg_saml_login_url(kg_saml *s, apr_pool_t *pool, const char *origin,
			const char *relay_state, const char **url,
			const char **request_id, kg_err *err)
{
	idp_state *st = acquire(s);
	LassoLogin *login = lasso_login_new(st->server);
	LassoProfile *profile;
	LassoSamlp2AuthnRequest *request;
	kg_rc rc = KG_OK;
	int lrc;

	if (login == NULL) {
		release(s, st);
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
	set_string(&request->NameIDPolicy->Format, s->conf->name_id_format);
	request->NameIDPolicy->AllowCreate = TRUE;
	request->ForceAuthn = s->conf->force_authn ? TRUE : FALSE;
	request->IsPassive = s->conf->is_passive ? TRUE : FALSE;
	set_string(&request->AssertionConsumerServiceURL,
		   at(pool, origin, s->sp.acs_url));
	set_string(&request->ProtocolBinding, BINDING_POST);
	set_string(&profile->msg_relayState, relay_state);
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
	release(s, st);
	return rc;
}

/* The lasso error as a reason token. */
static const char *lasso_reason(int lrc)
{
	switch (lrc) {
	case LASSO_DS_ERROR_SIGNATURE_NOT_FOUND:
		return "saml_sig_missing";
	case LASSO_DS_ERROR_INVALID_SIGNATURE:
	case LASSO_DS_ERROR_SIGNATURE_VERIFICATION_FAILED:
	case LASSO_PROFILE_ERROR_CANNOT_VERIFY_SIGNATURE:
	case LASSO_LOGIN_ERROR_INVALID_SIGNATURE:
	case LASSO_LOGIN_ERROR_INVALID_ASSERTION_SIGNATURE:
		return "saml_sig_invalid";
	case LASSO_LOGIN_ERROR_STATUS_NOT_SUCCESS:
	case LASSO_LOGIN_ERROR_REQUEST_DENIED:
	case LASSO_PROFILE_ERROR_STATUS_NOT_SUCCESS:
	case LASSO_PROFILE_ERROR_MISSING_STATUS_CODE:
		return "saml_status";
	/* lasso refuses an assertion from another issuer than the
	 * Response's (assertion bundling, security.md 1.13) */
	case LASSO_PROFILE_ERROR_INVALID_ISSUER:
	case LASSO_PROFILE_ERROR_MISSING_ISSUER:
		return "saml_issuer";
	case LASSO_PROFILE_ERROR_MISSING_ENCRYPTION_PRIVATE_KEY:
	case LASSO_DS_ERROR_DECRYPTION_FAILED:
	case LASSO_DS_ERROR_DECRYPTION_FAILED_MISSING_PRIVATE_KEY:
		return "saml_decrypt";
	default:
		return "saml_parse";
	}
}

/* lasso verifies the signatures and decrypts; *assertion_xml is the
 * assertion lasso accepted (decrypted when it came encrypted). */
static kg_rc lasso_verify(kg_saml_ctx *c, const char *b64, bool encrypted,
			  const char **assertion_xml)
{
	idp_state *st = acquire(c->s);
	LassoLogin *login = lasso_login_new(st->server);
	LassoProfile *profile;
	LassoSamlp2Response *response;
	kg_rc rc = KG_OK;
	int lrc;

	if (login == NULL) {
		release(c->s, st);
		return kg_err_set(c->err, KG_EINTERNAL,
				  "lasso_login_new failed");
	}
	profile = LASSO_PROFILE(login);
	lasso_profile_set_signature_verify_hint(
		profile, c->s->conf->want_response_signed
				 ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE
				 : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_MAYBE);
	lrc = lasso_login_process_authn_response_msg(login, (gchar *)b64);
	if (lrc != 0) {
		/* lasso skips an EncryptedAssertion it cannot decrypt, then
		 * finds no assertion */
		rc = kg_saml_refuse(
			c->reason, c->err,
			encrypted && lrc == LASSO_PROFILE_ERROR_MISSING_ASSERTION
				? "saml_decrypt"
				: lasso_reason(lrc),
			kg_psprintf(c->pool, "lasso: [%d] %s", lrc,
				    lasso_strerror(lrc)));
		goto done;
	}
	response = LASSO_SAMLP2_RESPONSE(profile->response);
	/* lasso keeps the EncryptedAssertion it decrypted next to the
	 * Assertion it made of it: one of each when encrypted */
	if (g_list_length(response->Assertion) != 1 ||
	    g_list_length(response->EncryptedAssertion) !=
		    (encrypted ? 1u : 0u) ||
	    !LASSO_IS_SAML2_ASSERTION(response->Assertion->data)) {
		rc = kg_saml_refuse(c->reason, c->err, "saml_assertion_count",
			    "lasso did not accept exactly one assertion");
		goto done;
	}
	if (profile->remote_providerID == NULL ||
	    strcmp(profile->remote_providerID, c->s->idp_entity_id) != 0) {
		rc = kg_saml_refuse(c->reason, c->err, "saml_issuer",
			    "the Response comes from another provider");
		goto done;
	}
	*assertion_xml = NULL;
	if (encrypted) {
		gchar *xml = lasso_node_export_to_xml(
			LASSO_NODE(response->Assertion->data));
		if (xml == NULL) {
			rc = kg_saml_refuse(c->reason, c->err, "saml_decrypt",
				    "the decrypted assertion does not export");
			goto done;
		}
		*assertion_xml = apr_pstrdup(c->pool, xml);
		g_free(xml);
	}
done:
	lasso_login_destroy(login);
	release(c->s, st);
	return rc;
}

/* Verifies the SAMLResponse form value saml_response as c expects. */
static kg_rc verify(kg_saml_ctx *c, const char *saml_response,
		    const char *request_id)
{
	apr_pool_t *pool = c->pool;
	kg_saml_verified *out = c->out;
	const char **reason = c->reason;
	kg_err *err = c->err;
	const char *xml, *assertion_xml = NULL;
	size_t len;
	xmlDoc *doc = NULL, *adoc = NULL;
	xmlNode *root, *assertion;
	int assertions = 0, encrypted = 0;
	bool dtd = false;
	kg_rc rc;

	memset(out, 0, sizeof(*out));
	*reason = "saml_parse";
	if (saml_response == NULL)
		return kg_saml_refuse(reason, err, "saml_parse", "no SAMLResponse");
	if (strchr(saml_response, '<'))
		return kg_saml_refuse(reason, err, "saml_parse",
			      "the SAMLResponse is not base64");
	rc = kg_saml_response_decode(pool, saml_response, strlen(saml_response),
				     &xml, &len, err);
	if (rc != KG_OK)
		return kg_saml_refuse(reason, err, "saml_parse", err->msg);
	doc = kg_saml_parse_strict(xml, len, &dtd);
	if (doc == NULL)
		return kg_saml_refuse(reason, err, dtd ? "saml_dtd" : "saml_parse",
			      dtd ? "the Response has a DTD"
				  : "the Response is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	if (!kg_saml_is_el(root, NS_SAMLP, "Response")) {
		rc = kg_saml_refuse(reason, err, "saml_parse",
			    "the message is not a samlp:Response");
		goto done;
	}
	if (!kg_saml_scan(root, apr_hash_make(pool), pool, &assertions, &encrypted,
		  0)) {
		rc = kg_saml_refuse(reason, err, "saml_parse",
			    "the Response repeats an ID or nests too deep");
		goto done;
	}
	if (assertions + encrypted != 1 ||
	    (assertions == 1 && !kg_saml_child(root, NS_SAML, "Assertion")) ||
	    (encrypted == 1 && !kg_saml_child(root, NS_SAML, "EncryptedAssertion"))) {
		rc = kg_saml_refuse(reason, err, "saml_assertion_count",
			    kg_psprintf(pool,
					"the Response carries %d "
					"assertions, not one in place",
					assertions + encrypted));
		goto done;
	}
	if ((rc = kg_saml_check_signatures(c, root)) != KG_OK ||
	    (rc = kg_saml_check_encryption(c, root)) != KG_OK ||
	    (rc = kg_saml_check_issue_instant(c, root)) != KG_OK ||
	    (rc = kg_saml_check_response(c, root, request_id, encrypted)) != KG_OK ||
	    (rc = lasso_verify(c, saml_response, encrypted, &assertion_xml)) !=
		    KG_OK)
		goto done;
	if (assertion_xml) {
		adoc = kg_saml_parse_strict(assertion_xml, strlen(assertion_xml), &dtd);
		assertion = adoc ? xmlDocGetRootElement(adoc) : NULL;
		if (!kg_saml_is_el(assertion, NS_SAML, "Assertion")) {
			rc = kg_saml_refuse(reason, err, "saml_decrypt",
				    "the decrypted assertion does not parse");
			goto done;
		}
	} else {
		assertion = kg_saml_child(root, NS_SAML, "Assertion");
	}
	if ((assertion_xml &&
	     (rc = kg_saml_check_signatures(c, assertion)) != KG_OK) ||
	    (rc = kg_saml_check_issue_instant(c, assertion)) != KG_OK ||
	    (rc = kg_saml_check_assertion(c, assertion)) != KG_OK)
		goto done;
	rc = kg_saml_assertion_parse(pool, assertion_xml ? assertion_xml : xml,
				     assertion_xml ? strlen(assertion_xml)
						   : len,
				     &out->assertion, err);
	if (rc != KG_OK) {
		*reason = "saml_parse";
		goto done;
	}
	out->response_xml = xml;
done:
	if (adoc)
		xmlFreeDoc(adoc);
	xmlFreeDoc(doc);
	return rc;
}

kg_rc kg_saml_acs(kg_saml *s, apr_pool_t *pool, const char *origin,
		  const char *saml_response, const char *request_id,
		  long long now_ms, kg_saml_verified *out, const char **reason,
		  kg_err *err)
{
	kg_saml_ctx c = {.s = s,
		     .pool = pool,
		     .now = now_ms,
		     .skew = s->conf->clock_skew_s * 1000,
		     .conf = s->conf,
		     .idp_entity_id = s->idp_entity_id,
		     .acs = at(pool, origin, s->sp.acs_url),
		     .audience = s->sp.entity_id,
		     .aws_too = s->conf->aws_shared_response,
		     .unsolicited = s->conf->unsolicited,
		     .out = out,
		     .reason = reason,
		     .err = err};

	return verify(&c, saml_response, request_id);
}

kg_rc kg_saml_aws_response(kg_saml *s, apr_pool_t *pool,
			   const char *saml_response, long long now_ms,
			   kg_saml_verified *out, const char **reason,
			   kg_err *err)
{
	kg_saml_ctx c = {.s = s,
		     .pool = pool,
		     .now = now_ms,
		     .skew = s->conf->clock_skew_s * 1000,
		     .conf = s->conf,
		     .idp_entity_id = s->idp_entity_id,
		     .acs = AWS_SIGNIN,
		     .audience = AWS_AUDIENCE,
		     .aws_only = true,
		     .unsolicited = true,
		     .out = out,
		     .reason = reason,
		     .err = err};

	return verify(&c, saml_response, NULL);
}

/* --- single logout ------------------------------------------------------ */

struct kg_saml_slo {
	kg_saml *s;
	idp_state *state;    /* held while logout lives */
	LassoLogout *logout; /* a LogoutRequest being answered, or NULL */
	kg_saml_logout_msg msg;
	const char *relay_state;
};

/* Pool cleanup of a received LogoutRequest: its lasso state, then the
 * server reference it held. */
static apr_status_t slo_free(void *data)
{
	kg_saml_slo *slo = data;

	if (slo->logout)
		lasso_logout_destroy(slo->logout);
	slo->logout = NULL;
	if (slo->state)
		release(slo->s, slo->state);
	slo->state = NULL;
	return APR_SUCCESS;
}

/* A copy of a lasso string in pool, or NULL. */
static const char *dup_or_null(apr_pool_t *pool, const char *v)
{
	return v ? apr_pstrdup(pool, v) : NULL;
}

/* Gives profile a session holding one bare assertion from the IdP with
 * name_id (referenced, not taken) and session_index: what lasso's logout
 * profile looks up. */
static kg_rc give_session(kg_saml *s, LassoProfile *profile,
			  LassoSaml2NameID *name_id, const char *session_index,
			  kg_err *err)
{
	LassoSaml2Assertion *a = LASSO_SAML2_ASSERTION(lasso_saml2_assertion_new());
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
		return kg_err_set(err, KG_EINTERNAL,
				  "saml %s: no lasso session for the logout: %s",
				  s->sp.alias, lasso_strerror(lrc));
	return KG_OK;
}

/* True when the IdP's metadata in server has an HTTP-Redirect SLO
 * service. */
static bool idp_has_redirect_slo(kg_saml *s, LassoServer *server)
{
	LassoProvider *idp = lasso_server_get_provider(server,
						       s->idp_entity_id);
	gchar *url = idp ? lasso_provider_get_metadata_one(
				   idp, "SingleLogoutService HTTP-Redirect")
			 : NULL;
	bool has = url != NULL;

	g_free(url);
	return has;
}

kg_rc kg_saml_logout_url(kg_saml *s, apr_pool_t *pool,
			 const kg_saml_subject *who, const char *relay_state,
			 const char **url, const char **request_id,
			 kg_err *err)
{
	idp_state *st = acquire(s);
	LassoLogout *logout = NULL;
	LassoProfile *profile;
	LassoSaml2NameID *name_id;
	kg_rc rc = KG_OK;
	int lrc;

	if (!idp_has_redirect_slo(s, st->server)) {
		rc = kg_err_set(err, KG_ENOTFOUND,
				"saml %s: the IdP offers no HTTP-Redirect "
				"SingleLogoutService",
				s->sp.alias);
		goto done;
	}
	if ((logout = lasso_logout_new(st->server)) == NULL) {
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
		set_string(&profile->msg_relayState, relay_state);
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
	release(s, st);
	return rc;
}

/* A refusal of an SLO message (KG_EAUTH for signatures). */
static kg_rc slo_refuse(const char **reason, kg_err *err, const char *token,
			const char *why)
{
	kg_rc rc = strncmp(token, "saml_sig", 8) == 0 ||
				   strcmp(token, "slo_unsigned") == 0
			   ? KG_EAUTH
			   : KG_EINVAL;

	*reason = token;
	return kg_err_set(err, rc, "%s", why);
}

/* The value of parameter name in a raw query is there and not empty. */
static bool query_has(const char *query, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = query; p && *p; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=' && p[n + 1] &&
		    p[n + 1] != '&')
			return true;
	}
	return false;
}

/* A POSTed message: not a DTD, and an XML signature on the root. */
static kg_rc post_signed(apr_pool_t *pool, const char *b64,
			 const char **reason, kg_err *err)
{
	const char *xml;
	xmlDoc *doc;
	bool has;
	kg_rc rc = kg_saml_parse_message(pool, b64, false, &xml, &doc, reason, err);

	if (rc != KG_OK)
		return rc;
	has = kg_saml_child(xmlDocGetRootElement(doc), NS_DS, "Signature") != NULL;
	xmlFreeDoc(doc);
	return has ? KG_OK
		   : slo_refuse(reason, err, "slo_unsigned",
				"the message is not signed");
}

/* The lasso error of an SLO message as a reason token. */
static const char *slo_reason(int lrc)
{
	switch (lrc) {
	case LASSO_DS_ERROR_SIGNATURE_NOT_FOUND:
		return "slo_unsigned";
	case LASSO_SERVER_ERROR_PROVIDER_NOT_FOUND:
	case LASSO_PROFILE_ERROR_UNKNOWN_PROVIDER:
		return "saml_issuer";
	default: {
		const char *r = lasso_reason(lrc);
		return strcmp(r, "saml_sig_missing") == 0 ? "slo_unsigned" : r;
	}
	}
}

/* The first StatusCode Value of a LogoutResponse, or NULL. */
static const char *status_of(apr_pool_t *pool, LassoSamlp2StatusResponse *r)
{
	if (r->Status == NULL || r->Status->StatusCode == NULL)
		return NULL;
	return dup_or_null(pool, r->Status->StatusCode->Value);
}

/* Reads a LogoutRequest through lasso's logout profile (which verifies
 * its signature with the IdP's keys) into slo. */
static kg_rc receive_request(kg_saml_slo *slo, apr_pool_t *pool,
			     const char *message, const char **reason,
			     kg_err *err)
{
	LassoProfile *profile;
	LassoSamlp2LogoutRequest *req;
	LassoSamlp2RequestAbstract *abs;
	GList *indexes;
	int lrc;

	slo->state = acquire(slo->s);
	apr_pool_cleanup_register(pool, slo, slo_free, apr_pool_cleanup_null);
	slo->logout = lasso_logout_new(slo->state->server);
	if (slo->logout == NULL)
		return kg_err_set(err, KG_EINTERNAL, "lasso_logout_new failed");
	profile = LASSO_PROFILE(slo->logout);
	lasso_profile_set_signature_verify_hint(
		profile, LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
	lrc = lasso_logout_process_request_msg(slo->logout, (char *)message);
	if (lrc != 0)
		return slo_refuse(reason, err, slo_reason(lrc),
				  kg_psprintf(pool, "lasso: [%d] %s", lrc,
					      lasso_strerror(lrc)));
	if (!LASSO_IS_SAMLP2_LOGOUT_REQUEST(profile->request))
		return slo_refuse(reason, err, "saml_parse",
				  "the message is not a LogoutRequest");
	req = LASSO_SAMLP2_LOGOUT_REQUEST(profile->request);
	abs = LASSO_SAMLP2_REQUEST_ABSTRACT(req);
	slo->msg.is_request = true;
	slo->msg.id = dup_or_null(pool, abs->ID);
	slo->msg.issuer =
		abs->Issuer ? dup_or_null(pool, abs->Issuer->content) : NULL;
	slo->msg.destination = dup_or_null(pool, abs->Destination);
	slo->msg.issue_instant = dup_or_null(pool, abs->IssueInstant);
	slo->msg.not_on_or_after = dup_or_null(pool, req->NotOnOrAfter);
	if (req->NameID) {
		slo->msg.name_id = dup_or_null(pool, req->NameID->content);
		slo->msg.name_id_format = dup_or_null(pool, req->NameID->Format);
	}
	indexes = lasso_samlp2_logout_request_get_session_indexes(req);
	slo->msg.session_indexes = (int)g_list_length(indexes);
	if (indexes)
		slo->msg.session_index = dup_or_null(pool, indexes->data);
	g_list_free_full(indexes, g_free);
	return KG_OK;
}

/* Reads a LogoutResponse and verifies its signature with the IdP's keys
 * (the keys of the IdP it names are never used for another). */
static kg_rc receive_response(kg_saml_slo *slo, apr_pool_t *pool,
			      const char *message, const char **reason,
			      kg_err *err)
{
	LassoNode *node = lasso_samlp2_logout_response_new();
	LassoSamlp2StatusResponse *r = LASSO_SAMLP2_STATUS_RESPONSE(node);
	LassoProvider *idp;
	idp_state *state;
	LassoMessageFormat format;
	kg_rc rc = KG_OK;
	int lrc;

	format = lasso_node_init_from_message(node, message);
	if (format == LASSO_MESSAGE_FORMAT_ERROR ||
	    format == LASSO_MESSAGE_FORMAT_UNKNOWN) {
		rc = slo_refuse(reason, err, "saml_parse",
				"the message is not a LogoutResponse");
		goto done;
	}
	slo->msg.is_request = false;
	slo->msg.id = dup_or_null(pool, r->ID);
	slo->msg.issuer = r->Issuer ? dup_or_null(pool, r->Issuer->content)
				    : NULL;
	slo->msg.destination = dup_or_null(pool, r->Destination);
	slo->msg.issue_instant = dup_or_null(pool, r->IssueInstant);
	slo->msg.in_response_to = dup_or_null(pool, r->InResponseTo);
	slo->msg.status = status_of(pool, r);
	if (slo->msg.issuer == NULL ||
	    strcmp(slo->msg.issuer, slo->s->idp_entity_id) != 0) {
		rc = slo_refuse(reason, err, "saml_issuer",
				"the LogoutResponse's Issuer is not the IdP");
		goto done;
	}
	state = acquire(slo->s);
	idp = lasso_server_get_provider(state->server, slo->s->idp_entity_id);
	lrc = idp ? lasso_provider_verify_signature(idp, message, "ID", format)
		  : LASSO_SERVER_ERROR_PROVIDER_NOT_FOUND;
	release(slo->s, state);
	if (lrc != 0)
		rc = slo_refuse(reason, err, slo_reason(lrc),
				kg_psprintf(pool, "lasso: [%d] %s", lrc,
					    lasso_strerror(lrc)));
done:
	lasso_node_destroy(node);
	return rc;
}

kg_rc kg_saml_slo_receive(kg_saml *s, apr_pool_t *pool,
			  const kg_saml_slo_in *in, long long now_ms,
			  kg_saml_slo **out, const kg_saml_logout_msg **msg,
			  const char **reason, kg_err *err)
{
	kg_saml_slo *slo = apr_pcalloc(pool, sizeof(*slo));
	const char *query = in->query;
	bool redirect = query && (query_has(query, "SAMLRequest") ||
				  query_has(query, "SAMLResponse"));
	bool is_request = redirect ? query_has(query, "SAMLRequest")
				   : in->form_request != NULL;
	const char *message = redirect	   ? query
			      : is_request ? in->form_request
					   : in->form_response;
	kg_rc rc;

	*reason = "saml_parse";
	slo->s = s;
	slo->relay_state = in->relay_state;
	if (message == NULL || *message == '\0')
		return slo_refuse(reason, err, "saml_parse",
				  "no SAMLRequest or SAMLResponse");
	if (strlen(message) > KG_SAML_MAX_BYTES)
		return slo_refuse(reason, err, "saml_parse",
				  "the message is too large");
	/* keygate's own signature presence checks, before lasso's */
	if (redirect && !(query_has(query, "Signature") &&
			  query_has(query, "SigAlg")))
		return slo_refuse(reason, err, "slo_unsigned",
				  "the HTTP-Redirect message is not signed");
	if (!redirect && (rc = post_signed(pool, message, reason, err)) != KG_OK)
		return rc;
	rc = is_request ? receive_request(slo, pool, message, reason, err)
			: receive_response(slo, pool, message, reason, err);
	if (rc != KG_OK)
		return rc;
	rc = kg_saml_logout_check(&slo->msg, s->idp_entity_id,
				  at(pool, in->origin, s->sp.slo_url),
				  now_ms, s->conf->clock_skew_s * 1000, reason,
				  err);
	if (rc != KG_OK)
		return rc;
	*out = slo;
	*msg = &slo->msg;
	return KG_OK;
}

kg_rc kg_saml_slo_answer(kg_saml_slo *slo, apr_pool_t *pool,
			 const char **url, kg_err *err)
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
		set_string(&profile->msg_relayState,
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

/* --- offline verification (keygate map --idp-metadata) ------------------ */

/* Verifies the XML signature on the root of xml with provider's keys. */
static kg_rc verify_root(LassoProvider *provider, apr_pool_t *pool,
			 const char *xml, const char *what,
			 const char **reason, kg_err *err)
{
	int lrc = lasso_provider_verify_signature(provider, xml, "ID",
						  LASSO_MESSAGE_FORMAT_XML);

	if (lrc == 0)
		return KG_OK;
	return kg_saml_refuse(reason, err, lasso_reason(lrc),
		      kg_psprintf(pool, "the %s's signature: [%d] %s", what,
				  lrc, lasso_strerror(lrc)));
}

/* The assertion as a document of its own (the namespaces it uses
 * declared on it), serialised into pool. */
static const char *standalone(apr_pool_t *pool, const xmlNode *assertion)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *copy = xmlDocCopyNode((xmlNode *)assertion, doc, 1);
	xmlChar *out = NULL;
	const char *xml = NULL;
	int len = 0;

	if (copy) {
		xmlDocSetRootElement(doc, copy);
		xmlReconciliateNs(doc, copy);
		xmlDocDumpMemory(doc, &out, &len);
	}
	if (out)
		xml = apr_pstrmemdup(pool, (const char *)out, (size_t)len);
	xmlFree(out);
	xmlFreeDoc(doc);
	return xml;
}

/* The signature and issuer checks of kg_saml_verify_captured on the
 * parsed Response root. */
static kg_rc verify_parsed(LassoProvider *provider, apr_pool_t *pool,
			   const char *xml, const xmlNode *root,
			   const char **reason, kg_err *err)
{
	const xmlNode *assertion = kg_saml_child(root, NS_SAML, "Assertion");
	const xmlNode *issuer = kg_saml_child(root, NS_SAML, "Issuer");
	const xmlNode *a_issuer = kg_saml_child(assertion, NS_SAML, "Issuer");
	bool response_signed = kg_saml_child(root, NS_DS, "Signature") != NULL;
	bool assertion_signed = kg_saml_child(assertion, NS_DS, "Signature") != NULL;
	const char *axml;
	kg_rc rc;

	if ((issuer &&
	     strcmp(kg_saml_text(pool, issuer), provider->ProviderID) != 0) ||
	    a_issuer == NULL ||
	    strcmp(kg_saml_text(pool, a_issuer), provider->ProviderID) != 0)
		return kg_saml_refuse(reason, err, "saml_issuer",
			      "the Issuer is not the IdP of the metadata");
	if (!response_signed && !assertion_signed)
		return kg_saml_refuse(reason, err, "saml_sig_missing",
			      "neither the Response nor its assertion is "
			      "signed");
	if (response_signed &&
	    (rc = verify_root(provider, pool, xml, "Response", reason,
			      err)) != KG_OK)
		return rc;
	if (!assertion_signed)
		return KG_OK;
	if ((axml = standalone(pool, assertion)) == NULL)
		return kg_saml_refuse(reason, err, "saml_parse",
			      "the assertion does not serialise");
	return verify_root(provider, pool, axml, "assertion", reason, err);
}

kg_rc kg_saml_verify_captured(apr_pool_t *pool, const char *idp_metadata,
			      const char *response, const char **reason,
			      kg_err *err)
{
	LassoProvider *provider;
	const char *xml;
	int assertions = 0, encrypted = 0;
	xmlDoc *doc;
	xmlNode *root;
	kg_rc rc;

	*reason = "saml_parse";
	if (!ensure_lasso(err))
		return err->rc;
	if ((rc = kg_saml_parse_message(pool, response, true, &xml, &doc, reason,
				err)) != KG_OK)
		return rc;
	root = xmlDocGetRootElement(doc);
	if (!kg_saml_is_el(root, NS_SAMLP, "Response") ||
	    !kg_saml_scan(root, apr_hash_make(pool), pool, &assertions, &encrypted,
		  0)) {
		xmlFreeDoc(doc);
		return kg_saml_refuse(reason, err, "saml_parse",
			      "not a samlp:Response, a repeated ID or too "
			      "deep");
	}
	if (assertions != 1 || encrypted != 0 ||
	    !kg_saml_child(root, NS_SAML, "Assertion")) {
		xmlFreeDoc(doc);
		return kg_saml_refuse(reason, err, "saml_assertion_count",
			      "the Response does not carry exactly one plain "
			      "assertion (an encrypted one needs the SP key)");
	}
	provider = lasso_provider_new_from_buffer(LASSO_PROVIDER_ROLE_IDP,
						  idp_metadata, NULL, NULL);
	if (provider == NULL) {
		xmlFreeDoc(doc);
		return kg_err_set(err, KG_ECONFIG,
				  "the IdP metadata does not load");
	}
	rc = verify_parsed(provider, pool, xml, root, reason, err);
	lasso_node_destroy(LASSO_NODE(provider));
	xmlFreeDoc(doc);
	return rc;
}

/* --- signed IdP metadata (KeygateSAMLMetadataRefresh) ------------------- */

/* A provider whose only key is the pinned certificate: its own metadata
 * names no key. */
#define PINNED_MD                                                              \
	"<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:"        \
	"metadata\" entityID=\"urn:keygate:pinned\"><md:IDPSSODescriptor "     \
	"protocolSupportEnumeration=\"" NS_SAMLP "\"/></md:EntityDescriptor>"

kg_rc kg_saml_metadata_verify(apr_pool_t *pool, const char *metadata,
			      const char *pinned_cert_pem, kg_err *err)
{
	LassoProvider *pinned;
	bool dtd = false, is_md, is_signed;
	xmlDoc *doc;
	xmlNode *root;
	int lrc;

	if (!ensure_lasso(err))
		return err->rc;
	doc = kg_saml_parse_strict(metadata, strlen(metadata), &dtd);
	if (doc == NULL)
		return kg_err_set(err, KG_EINVAL, "%s",
				  dtd ? "the metadata has a DTD"
				      : "the metadata is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	is_md = kg_saml_is_el(root, "urn:oasis:names:tc:SAML:2.0:metadata",
		      "EntityDescriptor");
	is_signed = kg_saml_child(root, NS_DS, "Signature") != NULL;
	xmlFreeDoc(doc);
	if (!is_md)
		return kg_err_set(err, KG_EINVAL,
				  "the metadata is not one EntityDescriptor");
	if (!is_signed)
		return kg_err_set(err, KG_EAUTH, "the metadata is not signed");
	pinned = lasso_provider_new_from_buffer(LASSO_PROVIDER_ROLE_IDP,
						PINNED_MD, pinned_cert_pem, NULL);
	if (pinned == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "the pinned certificate does not load");
	lrc = lasso_provider_verify_signature(pinned, metadata, "ID",
					      LASSO_MESSAGE_FORMAT_XML);
	lasso_node_destroy(LASSO_NODE(pinned));
	if (lrc != 0)
		return kg_err_set(err, KG_EAUTH,
				  "the metadata's signature does not verify "
				  "with the pinned certificate: [%d] %s",
				  lrc, lasso_strerror(lrc));
	return KG_OK;
}
