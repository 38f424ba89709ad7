/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the IdP's signing keys, and the check of one enveloped XML
 * signature with them on keygate's own DOM of a message (xmlsec, no
 * lasso).
 *
 * Why: lasso's lasso_login_process_authn_response_msg parses the
 * Response a second time into its own objects and writes about 150
 * debug lines doing so: two thirds of a SAML login's CPU. The ACS
 * already holds the Response as a DOM whose signatures' shape it has
 * checked (dom.c: one Reference, to the signed element's own ID, only
 * the enveloped and exclusive-c14n transforms, SHA-256 or stronger), so
 * it checks the signature value on that DOM itself. lasso still does
 * what it alone does: decrypting an EncryptedAssertion.
 *
 * Safe: the key is only ever one the metadata names (KeyInfo in a
 * message is never read), the one Reference must resolve to the
 * Signature's parent, and xmlsec is allowed only the transforms and
 * algorithms dom.c allows.
 */
#ifndef KG_PROTO_SAML_DSIG_H
#define KG_PROTO_SAML_DSIG_H

#include <libxml/tree.h>
#include <stdbool.h>

typedef struct kg_saml_keys kg_saml_keys;

/* The signing keys of the IDPSSODescriptor in idp_metadata: each
 * md:KeyDescriptor with use "signing" or no use, each holding exactly
 * one X509Certificate whose key loads. NULL when there is none, or when
 * one KeyDescriptor is of another form (the caller then leaves the check
 * to lasso, which reads every form). Owned by the caller:
 * kg_saml_keys_free. xmlsec must be initialised (lasso_init). */
kg_saml_keys *kg_saml_keys_load(const char *idp_metadata);

/* Frees keys (NULL allowed). */
void kg_saml_keys_free(kg_saml_keys *keys);

/* Whether the ds:Signature sig, an enveloped signature of its parent
 * element, verifies with one of keys. It registers the parent's ID
 * attribute in the document (so "#ID" resolves to that parent and to
 * nothing else) and is false when that cannot be done. Thread-safe:
 * keys are only read. */
bool kg_saml_keys_verify(const kg_saml_keys *keys, xmlNode *sig);

#endif
