/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML 2.0 service provider object: one lasso server per
 * version of the IdP's metadata (in a kg_refcell, swapped whole by a
 * metadata refresh), the SP metadata, and lasso's start-up.
 *
 * The rest of the SP works on this object, each part in its own file:
 * authn.c (the AuthnRequest), acs.c (the Response check), slo.c and
 * slo_receive.c (single logout), verify.c (signatures checked outside a
 * login). They share saml_int.h. dom.c, the checks keygate makes itself
 * on a message's DOM, has no lasso.
 */
#include "gateway/proto/saml/saml_int.h"
#include "gateway/proto/saml/dom.h"
#include "gateway/proto/saml/keyvalue.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

/* lasso_init once per process, before any thread uses lasso. */
static bool lasso_ready;

bool kg_saml_lasso_init(kg_err *err)
{
	if (!lasso_ready) {
		if (lasso_init() != 0) {
			kg_err_set(err, KG_ECONFIG,
				   "lasso does not initialise");
			return false;
		}
		lasso_ready = true;
	}
	return true;
}

/* One version of the IdP's metadata: what a kg_saml_server holds. */
typedef struct {
	LassoServer *lasso;
	kg_saml_keys *keys; /* NULL: lasso checks the signatures */
} idp_state;

static void server_free(void *state)
{
	idp_state *st = state;

	lasso_server_destroy(st->lasso);
	kg_saml_keys_free(st->keys);
	g_free(st);
}

kg_saml_server *kg_saml_acquire(kg_saml *s)
{
	return kg_refcell_acquire(s->servers, 0, NULL);
}

void kg_saml_release(kg_saml *s, kg_saml_server *st)
{
	kg_refcell_release(s->servers, st);
}

LassoServer *kg_saml_lasso(const kg_saml_server *st)
{
	return ((const idp_state *)kg_refcell_value(st))->lasso;
}

const kg_saml_keys *kg_saml_idp_keys(const kg_saml_server *st)
{
	return ((const idp_state *)kg_refcell_value(st))->keys;
}

/* Pool cleanup of a kg_saml: frees s (the cell of servers has its own
 * cleanup, registered before this one, so it runs after). */
static apr_status_t saml_free(void *data)
{
	g_free(data);
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

const char *kg_saml_at(apr_pool_t *pool, const char *origin, const char *url)
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
		xml_escape(pool, kg_saml_at(pool, origin, s->sp.slo_url)),
		xml_escape(pool, kg_saml_at(pool, origin, s->sp.slo_url)),
		xml_escape(pool, s->conf->name_id_format),
		xml_escape(pool, kg_saml_at(pool, origin, s->sp.acs_url)));
}

/* Adds the IdP of idp_metadata to server, its RSA signing certificates
 * handed over as KeyValues (keyvalue.h: the same keys, without a
 * certificate copy per signature checked). 0 or a lasso error. */
static int add_idp(LassoServer *server, const char *idp_metadata)
{
	apr_pool_t *tmp = NULL;
	int lrc;

	if (apr_pool_create(&tmp, NULL) != APR_SUCCESS)
		return -1;
	lrc = lasso_server_add_provider_from_buffer(
		server, LASSO_PROVIDER_ROLE_IDP,
		kg_saml_metadata_key_values(tmp, idp_metadata), NULL, NULL);
	apr_pool_destroy(tmp);
	return lrc;
}

/* A lasso server for s with idp_metadata: s's SP key, certificate and
 * metadata, and exactly one IdP, whose entity ID goes to *entity_id (a
 * lasso string the server owns). NULL with err set otherwise. The
 * server is shared by every request of the process: after this it is
 * only read (each login has its own LassoLogin), and a metadata refresh
 * replaces it whole (kg_refcell). */
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
	else if (add_idp(server, idp_metadata) != 0)
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

/* new_server's server for idp_metadata with the IdP's signing keys
 * beside it (dsig.h; none when lasso must read them), or NULL with err
 * set. Owned by the caller until stored in s->servers; server_free. */
static idp_state *new_state(kg_saml *s, const char *idp_metadata,
			    const char **entity_id, kg_err *err)
{
	LassoServer *server = new_server(s, idp_metadata, entity_id, err);
	idp_state *st;

	if (server == NULL)
		return NULL;
	st = g_new0(idp_state, 1);
	st->lasso = server;
	st->keys = kg_saml_keys_load(idp_metadata);
	return st;
}

/* No passphrase: a key that needs one does not load (OpenSSL's default
 * would ask on the terminal). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

kg_rc kg_saml_sp_keys_check(const char *key_pem, const char *cert_pem,
			    kg_err *err)
{
	BIO *kb = BIO_new_mem_buf(key_pem, -1);
	BIO *cb = BIO_new_mem_buf(cert_pem, -1);
	EVP_PKEY *key =
		kb ? PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL)
		   : NULL;
	X509 *cert =
		cb ? PEM_read_bio_X509(cb, NULL, no_passphrase, NULL) : NULL;
	const char *why = NULL;

	if (key == NULL)
		why = "KeygateSAMLSPKey holds no PEM private key (or one "
		      "with a passphrase)";
	else if (cert == NULL)
		why = "KeygateSAMLSPCert holds no PEM certificate";
	else if (X509_check_private_key(cert, key) != 1)
		why = "the private key does not belong to the certificate "
		      "(the certificate's public key is another key's): the "
		      "IdP would check keygate's signatures and encrypt to a "
		      "key keygate does not have";
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(cert);
	BIO_free(kb);
	BIO_free(cb);
	return why ? kg_err_set(err, KG_ECONFIG, "%s", why) : KG_OK;
}

kg_rc kg_saml_open(apr_pool_t *pool, const kg_conf_saml *conf,
		   const kg_saml_sp *sp, kg_saml **out, kg_err *err)
{
	const char *cert_b64 = pem_body(pool, sp->sp_cert_pem);
	const char *entity_id;
	idp_state *server;
	kg_saml *s;

	kg_err why = {0};

	if (cert_b64 == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "saml %s: KeygateSAMLSPCert holds no PEM "
				  "certificate",
				  sp->alias);
	if (kg_saml_sp_keys_check(sp->sp_key_pem, sp->sp_cert_pem, &why) !=
	    KG_OK)
		return kg_err_set(err, KG_ECONFIG, "saml %s: %s", sp->alias,
				  why.msg);
	if (!kg_saml_lasso_init(err))
		return err->rc;
	/* s is malloc'd, not in pool, and freed by saml_free: it holds the
	 * only pointer to the malloc'd idp_state, and LeakSanitizer does not
	 * scan APR pool memory (Debian's APR maps it with mmap), so with s in
	 * pool a fuzzer's in-process leak check took the idp_state for a
	 * leak. */
	s = g_new0(kg_saml, 1);
	s->conf = conf;
	s->sp = *sp;
	s->sp.alias = apr_pstrdup(pool, sp->alias);
	s->sp.entity_id = apr_pstrdup(pool, sp->entity_id);
	s->sp.acs_url = apr_pstrdup(pool, sp->acs_url);
	s->sp.slo_url = apr_pstrdup(pool, sp->slo_url);
	s->sp.idp_metadata = NULL; /* the current one is in the server */
	s->cert_b64 = cert_b64;
	s->metadata = build_metadata(pool, s, NULL, cert_b64);
	if ((server = new_state(s, sp->idp_metadata, &entity_id, err)) ==
	    NULL) {
		g_free(s);
		return err->rc;
	}
	s->idp_entity_id = apr_pstrdup(pool, entity_id);
	if (kg_refcell_make(pool, server_free, KG_REFCELL_NEVER, 0, &s->servers,
			    err) != KG_OK) {
		server_free(server);
		g_free(s);
		return err->rc;
	}
	kg_refcell_store(s->servers, server, 0);
	apr_pool_cleanup_register(pool, s, saml_free, apr_pool_cleanup_null);
	*out = s;
	return KG_OK;
}

kg_rc kg_saml_set_idp_metadata(kg_saml *s, const char *idp_metadata,
			       kg_err *err)
{
	const char *entity_id = NULL;
	idp_state *server = new_state(s, idp_metadata, &entity_id, err);
	if (server == NULL)
		return KG_EINVAL;
	if (strcmp(entity_id, s->idp_entity_id) != 0) {
		/* entity_id belongs to server: the message first */
		kg_err_set(err, KG_EINVAL,
			   "saml %s: the new metadata names another IdP "
			   "(entity ID %.128s)",
			   s->sp.alias, entity_id);
		server_free(server);
		return KG_EINVAL;
	}
	kg_refcell_store(s->servers, server, 0);
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
void kg_saml_set_string(gchar **field, const char *v)
{
	g_free(*field);
	*field = g_strdup(v);
}

/* The lasso error as a reason token. */
const char *kg_saml_lasso_reason(int lrc)
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
