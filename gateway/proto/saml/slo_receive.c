/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading a SAML single logout message at the SLO endpoint:
 * IdP-initiated LogoutRequests and the IdP's LogoutResponses to keygate's
 * own, over HTTP-Redirect or HTTP-POST. The signature must be there
 * (keygate checks its presence before lasso runs) and verify with the
 * IdP's metadata keys; then the checks of slo_check.c.
 *
 * Before lasso reads a message, keygate parses it itself (an HTTP-Redirect
 * one inflated first, with zlib): no DTD, XInclude or schema location
 * (saml_dtd), the element it claims to be, and a LogoutRequest's NameID
 * in a shape lasso reads, since lasso 2.8 aborts the process (g_error)
 * on a LogoutRequest whose NameID it cannot read.
 */
#include "gateway/proto/saml/saml_int.h"
#include "gateway/proto/saml/dom.h"
#include "gateway/proto/saml/assertion.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <lasso/xml/saml-2.0/samlp2_logout_request.h>
#include <lasso/xml/saml-2.0/samlp2_logout_response.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>
#include <apr_base64.h>
#include <libxml/tree.h>
#include <string.h>
#include <zlib.h>

/* Pool cleanup of a received LogoutRequest: its lasso state, then the
 * server reference it held. */
static apr_status_t slo_free(void *data)
{
	kg_saml_slo *slo = data;

	if (slo->logout)
		lasso_logout_destroy(slo->logout);
	slo->logout = NULL;
	if (slo->state)
		kg_saml_release(slo->s, slo->state);
	slo->state = NULL;
	return APR_SUCCESS;
}

/* A copy of a lasso string in pool, or NULL. */
static const char *dup_or_null(apr_pool_t *pool, const char *v)
{
	return v ? apr_pstrdup(pool, v) : NULL;
}

/* A refusal of an SLO message: KG_EINVAL, whatever the check (the SLO
 * endpoint answers 400). */
static kg_rc slo_refuse(const char **reason, kg_err *err, const char *token,
			const char *why)
{
	*reason = token;
	return kg_err_set(err, KG_EINVAL, "%s", why);
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

/* The raw value of parameter name in a query, or NULL. */
static const char *query_value(apr_pool_t *pool, const char *query,
			       const char *name)
{
	size_t n = strlen(name);

	for (const char *p = query; p && *p; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return apr_pstrndup(pool, p + n + 1,
					    strcspn(p + n + 1, "&"));
	}
	return NULL;
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* The XML of an HTTP-Redirect message (SAML Bindings 3.4.4.1): the
 * parameter's value percent-decoded ('+' stays, as lasso reads it),
 * base64-decoded and inflated (raw DEFLATE) to at most KG_SAML_MAX_BYTES.
 * A refusal saml_parse otherwise. */
static kg_rc redirect_xml(apr_pool_t *pool, const char *value, const char **xml,
			  size_t *xml_len, const char **reason, kg_err *err)
{
	size_t n = strlen(value), len = 0;
	char *b64 = apr_palloc(pool, n + 1);
	unsigned char *raw, *out;
	z_stream z = {0};
	int zrc;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (value[i] == '%' && (hi = hex_value(value[i + 1])) >= 0 &&
		    (lo = hex_value(value[i + 2])) >= 0) {
			b64[len++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (value[i] == '%') {
			return slo_refuse(reason, err, "saml_parse",
					  "the message is not URL-encoded");
		} else {
			b64[len++] = value[i];
		}
	}
	b64[len] = '\0';
	if (len == 0 || len % 4 != 0 ||
	    strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789+/=") != len)
		return slo_refuse(reason, err, "saml_parse",
				  "the message is not base64");
	raw = apr_palloc(pool, (apr_size_t)apr_base64_decode_len(b64));
	n = (size_t)apr_base64_decode_binary(raw, b64);
	out = apr_palloc(pool, KG_SAML_MAX_BYTES + 1);
	if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
		return kg_err_set(err, KG_EINTERNAL, "zlib does not start");
	z.next_in = raw;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = KG_SAML_MAX_BYTES;
	zrc = inflate(&z, Z_FINISH);
	len = KG_SAML_MAX_BYTES - z.avail_out;
	inflateEnd(&z);
	if (zrc != Z_STREAM_END)
		return slo_refuse(reason, err, "saml_parse",
				  zrc == Z_BUF_ERROR && z.avail_out == 0
					  ? "the message inflates to more than "
					    "the SAML size limit"
					  : "the message does not inflate");
	out[len] = '\0';
	*xml = (const char *)out;
	*xml_len = len;
	return KG_OK;
}

/* What keygate checks on the message's DOM before lasso reads it: the
 * root is the element expected (a LogoutRequest or a LogoutResponse);
 * a LogoutRequest has a NameID with text only. */
static kg_rc check_shape(const xmlNode *root, bool is_request,
			 const char **reason, kg_err *err)
{
	const xmlNode *name_id;

	if (!kg_saml_is_el(root, NS_SAMLP,
			   is_request ? "LogoutRequest" : "LogoutResponse"))
		return slo_refuse(reason, err, "saml_parse",
				  is_request ? "the message is not a "
					       "LogoutRequest"
					     : "the message is not a "
					       "LogoutResponse");
	if (!is_request)
		return KG_OK;
	name_id = kg_saml_child(root, NS_SAML, "NameID");
	for (const xmlNode *c = name_id ? name_id->children : NULL; c;
	     c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			name_id = NULL;
	}
	return name_id ? KG_OK
		       : slo_refuse(reason, err, "slo_nameid",
				    "the LogoutRequest has no NameID (or one "
				    "holding elements)");
}

/* keygate's own reading of the message before lasso's: parsed strictly
 * (saml_dtd, saml_parse), signed (slo_unsigned: an XML signature on the
 * root over POST; over HTTP-Redirect the query's Signature and SigAlg
 * were checked by the caller), in shape (check_shape). */
static kg_rc precheck(apr_pool_t *pool, const char *message, bool redirect,
		      bool is_request, const char **reason, kg_err *err)
{
	const char *xml = NULL;
	size_t len = 0;
	xmlDoc *doc = NULL;
	const xmlNode *root;
	kg_rc rc;

	if (redirect) {
		const char *v = query_value(pool, message,
					    is_request ? "SAMLRequest"
						       : "SAMLResponse");
		rc = v ? redirect_xml(pool, v, &xml, &len, reason, err)
		       : slo_refuse(reason, err, "saml_parse",
				    "no SAMLRequest or SAMLResponse");
		if (rc == KG_OK)
			rc = kg_saml_parse_xml(pool, xml, len, &doc, reason,
					       err);
	} else {
		rc = kg_saml_parse_message(pool, message, false, &xml, &doc,
					   reason, err);
	}
	if (rc != KG_OK)
		return rc;
	root = xmlDocGetRootElement(doc);
	if (!redirect && kg_saml_child(root, NS_DS, "Signature") == NULL)
		rc = slo_refuse(reason, err, "slo_unsigned",
				"the message is not signed");
	else
		rc = check_shape(root, is_request, reason, err);
	xmlFreeDoc(doc);
	return rc;
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
		const char *r = kg_saml_lasso_reason(lrc);
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

	slo->state = kg_saml_acquire(slo->s);
	apr_pool_cleanup_register(pool, slo, slo_free, apr_pool_cleanup_null);
	slo->logout = lasso_logout_new(kg_saml_lasso(slo->state));
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
		slo->msg.name_id_format =
			dup_or_null(pool, req->NameID->Format);
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
	kg_saml_server *state;
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
	slo->msg.issuer =
		r->Issuer ? dup_or_null(pool, r->Issuer->content) : NULL;
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
	state = kg_saml_acquire(slo->s);
	idp = lasso_server_get_provider(kg_saml_lasso(state),
					slo->s->idp_entity_id);
	lrc = idp ? lasso_provider_verify_signature(idp, message, "ID", format)
		  : LASSO_SERVER_ERROR_PROVIDER_NOT_FOUND;
	kg_saml_release(slo->s, state);
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
	if (redirect &&
	    !(query_has(query, "Signature") && query_has(query, "SigAlg")))
		return slo_refuse(reason, err, "slo_unsigned",
				  "the HTTP-Redirect message is not signed");
	if ((rc = precheck(pool, message, redirect, is_request, reason, err)) !=
	    KG_OK)
		return rc;
	rc = is_request ? receive_request(slo, pool, message, reason, err)
			: receive_response(slo, pool, message, reason, err);
	if (rc != KG_OK)
		return rc;
	rc = kg_saml_logout_check(&slo->msg, s->idp_entity_id,
				  kg_saml_at(pool, in->origin, s->sp.slo_url),
				  now_ms, s->conf->clock_skew_s * 1000, reason,
				  err);
	if (rc != KG_OK)
		return rc;
	*out = slo;
	*msg = &slo->msg;
	return KG_OK;
}
