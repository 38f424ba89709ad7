/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: what the lasso files of the SAML service provider share: the
 * kg_saml object with its reference-counted lasso server, and a received
 * SLO message. Private to sp.c (the object), authn.c, acs.c, slo.c,
 * slo_receive.c and verify.c; the lasso-free files of this folder (dom.c,
 * assertion.c, metadata.c, slo_check.c) never include it.
 */
#ifndef KG_PROTO_SAML_SAML_INT_H
#define KG_PROTO_SAML_SAML_INT_H

#include "gateway/proto/saml/saml.h"
#include "gateway/base/refcell.h"
#include "gateway/proto/saml/dsig.h"

#include <lasso/lasso.h>
#include <stdbool.h>

#define BINDING_POST "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

/* A reference to one version of the IdP's metadata as the SP uses it
 * (its lasso server and its signing keys), held in a kg_refcell:
 * requests hold a reference while they use it, so a metadata refresh
 * never frees a server in use. */
typedef kg_refcell_ref kg_saml_server;

struct kg_saml {
	const kg_conf_saml *conf;
	kg_saml_sp sp;	      /* key and certificate texts kept for refreshes */
	const char *metadata; /* ours */
	const char
		*cert_b64; /* the SP certificate, for metadata at an origin */
	const char *idp_entity_id; /* the same across refreshes */
	kg_refcell *servers;	   /* of LassoServer: the current metadata's */
};

/* Runs lasso_init once per process; every entry point that may be the
 * first to use lasso calls it (kg_saml_open, and the offline checks of
 * verify.c, which need no kg_saml). Not thread-safe: the first call
 * happens at startup, before any thread uses lasso. false, with err
 * KG_ECONFIG, when lasso does not initialise. */
bool kg_saml_lasso_init(kg_err *err);

/* The current server of s, with a reference the caller holds while it
 * uses the server and gives back with kg_saml_release, once, on every
 * path. Thread-safe. */
kg_saml_server *kg_saml_acquire(kg_saml *s);

/* Gives back a reference st took with kg_saml_acquire; the last one
 * destroys the server (one a metadata refresh replaced is freed when the
 * last request using it ends). Thread-safe. */
void kg_saml_release(kg_saml *s, kg_saml_server *st);

/* url at origin: a path (no KeygateBaseURL) is put after origin; a full
 * URL is kept. In pool. */
const char *kg_saml_at(apr_pool_t *pool, const char *origin, const char *url);

/* The lasso server st holds. */
LassoServer *kg_saml_lasso(const kg_saml_server *st);

/* The IdP's signing keys st holds (dsig.h), or NULL when lasso checks
 * the signatures of that metadata. */
const kg_saml_keys *kg_saml_idp_keys(const kg_saml_server *st);

/* Replaces the lasso string *field with a copy of v (NULL: none); the
 * lasso node it belongs to frees it. */
void kg_saml_set_string(gchar **field, const char *v);

/* The lasso error lrc as a reason token of saml.h: saml_sig_missing,
 * saml_sig_invalid, saml_status, saml_issuer, saml_decrypt, and
 * saml_parse for any other code. A static string. */
const char *kg_saml_lasso_reason(int lrc);

/* A received SLO message: slo_receive.c reads and verifies it, slo.c
 * answers a LogoutRequest. Lives in the pool given to
 * kg_saml_slo_receive, whose cleanup destroys logout and then gives back
 * state. */
struct kg_saml_slo {
	kg_saml *s;
	kg_saml_server *state; /* held while logout lives */
	LassoLogout *logout;   /* a LogoutRequest being answered, or NULL */
	kg_saml_logout_msg msg;
	const char *relay_state;
};

#endif
