/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML 2.0 service provider (lasso is used only in
 * gateway/proto/saml/: sp.c, authn.c, acs.c, slo.c, slo_receive.c and
 * verify.c, over their private saml_int.h; no lasso, glib or xmlsec type
 * appears in this header).
 *
 * One kg_saml per identity provider alias, made once per process at
 * startup from PEM and metadata texts the gateway read as root, and shared
 * by its threads. The ACS fails closed: lasso verifies signatures and
 * decrypts, and keygate checks everything lasso leaves to the caller; a
 * refusal is KG_EINVAL, whatever the check, with a reason token
 * (security.md 0.3) naming the check.
 */
#ifndef KG_PROTO_SAML_SAML_H
#define KG_PROTO_SAML_SAML_H

#include "conf/saml.h"
#include "gateway/base/assertion.h"
#include "gateway/base/err.h"
#include "gateway/proto/saml/slo_check.h"

#include <apr_pools.h>

typedef struct kg_saml kg_saml;

/* Where this service provider lives, and what it was given. */
typedef struct {
	const char *alias;     /* the identity provider's alias */
	const char *entity_id; /* the SP's entity ID */
	const char *acs_url;   /* its AssertionConsumerService (POST) */
	const char *slo_url;   /* its SingleLogoutService */
	/* acs_url and slo_url are full URLs, or with no fixed public
	 * origin (no KeygateBaseURL) paths: each call then names the
	 * origin of its request, and the URL is that origin + the path */
	const char *idp_metadata; /* the IdP's metadata (XML text) */
	const char *sp_key_pem;	  /* the SP's private key (PEM text) */
	const char *sp_cert_pem;  /* its certificate (PEM text) */
} kg_saml_sp;

/* Whether the SP's private key (PEM text, no passphrase) belongs to its
 * certificate (PEM text): KG_OK, or KG_ECONFIG with err saying which does
 * not load or that they differ (words only, no file names). */
kg_rc kg_saml_sp_keys_check(const char *key_pem, const char *cert_pem,
			    kg_err *err);

/* Prepares the service provider sp for one IdP (texts are copied into
 * pool). KG_ECONFIG when the key, certificate or metadata do not load, the
 * key does not belong to the certificate (kg_saml_sp_keys_check), or the
 * metadata names no single IdP with an HTTP-Redirect SSO service. */
kg_rc kg_saml_open(apr_pool_t *pool, const kg_conf_saml *conf,
		   const kg_saml_sp *sp, kg_saml **out, kg_err *err);

/* Replaces the IdP metadata s uses, for the requests that start from now
 * on (those under way finish with the one they started with). KG_EINVAL,
 * and s unchanged, when it does not load, describes not exactly one IdP,
 * or names another entity ID than the one s was opened with.
 * Thread-safe. */
kg_rc kg_saml_set_idp_metadata(kg_saml *s, const char *idp_metadata,
			       kg_err *err);

/* Verifies that metadata (an EntityDescriptor) carries an XML signature
 * on its root element that the key of pinned_cert_pem (PEM) verifies;
 * no key the metadata itself carries is used. KG_OK, or KG_EAUTH /
 * KG_EINVAL with err saying why. */
kg_rc kg_saml_metadata_verify(apr_pool_t *pool, const char *metadata,
			      const char *pinned_cert_pem, kg_err *err);

/* The SP metadata (an EntityDescriptor): entityID, the ACS over
 * HTTP-POST, SLO over HTTP-Redirect and HTTP-POST, the certificate for
 * signing and encryption, the NameID format, AuthnRequestsSigned and
 * WantAssertionsSigned true. The URLs are at origin when they are paths
 * (see kg_saml_sp; origin may be NULL otherwise). Lives as long as s or
 * pool. */
const char *kg_saml_metadata(const kg_saml *s, apr_pool_t *pool,
			     const char *origin);

/* The IdP's entity ID, as its metadata names it. */
const char *kg_saml_idp_entity_id(const kg_saml *s);

/* Starts a login: *url is the IdP's SSO service with a signed
 * (RSA-SHA256) AuthnRequest over HTTP-Redirect carrying relay_state as
 * RelayState and the ACS at origin (see kg_saml_sp); *request_id is the
 * request's ID, to be matched with the Response's InResponseTo. Both in
 * pool. ForceAuthn is true when KeygateSAMLForceAuthn is On or
 * fresh_auth asks for it (the person must authenticate again). */
kg_rc kg_saml_login_url(kg_saml *s, apr_pool_t *pool, const char *origin,
			const char *relay_state, bool fresh_auth,
			const char **url, const char **request_id, kg_err *err);

/* A Response that passed every check. */
typedef struct {
	const char *response_xml;   /* the decoded Response, as received */
	const char *assertion_id;   /* for the replay cache */
	const char *in_response_to; /* NULL: unsolicited */
	kg_assertion *assertion;    /* the verified assertion, read */
	long long valid_until_ms;   /* the latest NotOnOrAfter that applies:
				       how long to remember assertion_id */
	long long session_cap_ms;   /* SessionNotOnOrAfter, or 0 */
} kg_saml_verified;

/* Verifies a SAMLResponse form value (base64) at now_ms, posted to the
 * ACS at origin (see kg_saml_sp): everything but whose request it
 * answers. On refusal (KG_EINVAL), *reason is a stable
 * token (saml_dtd, saml_parse, saml_status, saml_sig_missing,
 * saml_sig_invalid, saml_sig_untrusted_key, saml_alg, saml_sig_ref,
 * saml_assertion_count, saml_enc_policy, saml_decrypt, saml_issuer,
 * saml_destination, saml_audience, saml_recipient, saml_time,
 * saml_inresponseto when the Response's and the SubjectConfirmationData's
 * InResponseTo differ) and err says why, never quoting the assertion.
 * The caller then replay-checks out->assertion_id and binds the Response
 * to the browser with kg_saml_answers. */
kg_rc kg_saml_acs(kg_saml *s, apr_pool_t *pool, const char *origin,
		  const char *saml_response, long long now_ms,
		  kg_saml_verified *out, const char **reason, kg_err *err);

/* Whether the verified Response v answers this browser: its InResponseTo
 * is request_id, the ID of the AuthnRequest the browser's login state
 * holds (NULL when it holds none; why_none then says why, for the log),
 * or it has none and unsolicited (IdP-initiated) Responses are allowed.
 * KG_OK, or KG_EINVAL with *reason saml_inresponseto. Pure. */
kg_rc kg_saml_answers(const kg_saml_verified *v, const char *request_id,
		      bool unsolicited, const char *why_none,
		      const char **reason, kg_err *err);

/* Verifies a Response of the IdP's AWS application (AWS credential mode
 * b): signed by this IdP, Destination and bearer Recipient
 * https://signin.aws.amazon.com/saml, audience urn:amazon:webservices,
 * unsolicited (no InResponseTo), in time; the same checks as kg_saml_acs
 * otherwise, with the same reason tokens. It is good for STS only, never for a
 * login. The caller matches out->assertion's NameID with the session's and
 * replay-checks out->assertion_id. */
kg_rc kg_saml_aws_response(kg_saml *s, apr_pool_t *pool,
			   const char *saml_response, long long now_ms,
			   kg_saml_verified *out, const char **reason,
			   kg_err *err);
/* Checks, offline, the signatures of a captured Response (XML or
 * base64) with the signing keys of idp_metadata (one IdP's
 * EntityDescriptor): the Response's signature when it has one, its
 * assertion's when it has one, and at least one of them; the Issuers
 * must be that IdP. Times, audience and recipients are not checked (a
 * captured Response is old). KG_OK when verified; KG_ECONFIG when the
 * metadata does not load; else KG_EINVAL with *reason a token
 * (saml_parse, saml_dtd, saml_assertion_count, saml_issuer,
 * saml_sig_missing, saml_sig_invalid) and err saying why. */
kg_rc kg_saml_verify_captured(apr_pool_t *pool, const char *idp_metadata,
			      const char *response, const char **reason,
			      kg_err *err);

/* --- single logout ------------------------------------------------------ */

/* Who a logout is for, as the session recorded them at login. */
typedef struct {
	const char *name_id;
	const char *name_id_format; /* NULL: none */
	const char *session_index;  /* NULL: none */
} kg_saml_subject;

/* Starts an SP-initiated logout: *url is the IdP's SingleLogoutService
 * (HTTP-Redirect) with a signed (RSA-SHA256) LogoutRequest for who,
 * carrying relay_state; *request_id its ID, to be matched with the
 * LogoutResponse's InResponseTo. Both in pool. KG_ENOTFOUND when the
 * IdP's metadata offers no HTTP-Redirect SLO service. */
kg_rc kg_saml_logout_url(kg_saml *s, apr_pool_t *pool,
			 const kg_saml_subject *who, const char *relay_state,
			 const char **url, const char **request_id,
			 kg_err *err);

/* A received SLO message, kept (with its lasso state) until pool goes. */
typedef struct kg_saml_slo kg_saml_slo;

/* What came to the SLO endpoint: the raw query string (HTTP-Redirect),
 * or the SAMLRequest / SAMLResponse form fields (HTTP-POST), and the
 * RelayState (decoded). */
typedef struct {
	const char *query;
	const char *form_request;
	const char *form_response;
	const char *relay_state;
	const char *origin; /* the request's public origin (kg_saml_sp) */
} kg_saml_slo_in;

/* Reads and verifies an SLO message at now_ms: the signature must be
 * there and verify with the IdP's metadata keys (the HTTP-Redirect query
 * signature, or the XML signature over POST), then the checks of
 * kg_saml_logout_check. *msg is what it says. On refusal, *reason is a
 * stable token (slo_unsigned, saml_sig_invalid, saml_issuer, saml_parse,
 * saml_dtd, and those of kg_saml_logout_check) and err says why. */
kg_rc kg_saml_slo_receive(kg_saml *s, apr_pool_t *pool,
			  const kg_saml_slo_in *in, long long now_ms,
			  kg_saml_slo **out, const kg_saml_logout_msg **msg,
			  const char **reason, kg_err *err);

/* The answer to a received LogoutRequest, once the sessions it names have
 * ended: *url is the IdP's SLO service (its ResponseLocation when it
 * has one) with a signed (RSA-SHA256) Success LogoutResponse over
 * HTTP-Redirect, echoing the RelayState. In pool. */
kg_rc kg_saml_slo_answer(kg_saml_slo *slo, apr_pool_t *pool, const char **url,
			 kg_err *err);

#endif
