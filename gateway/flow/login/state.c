/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a login (or a SAML logout) in progress, kept in the
 * browser.
 */
#include "gateway/flow/login/state.h"
#include "gateway/flow/core/origin.h"
#include "gateway/base/str.h"
#include "gateway/base/b64url.h"
#include "sessions/users.h"

#include <apr_strings.h>
#include <string.h>

/* keygate_login_ + the first 16 characters of the state (base64url). */
static const char *cookie_name(apr_pool_t *pool, const char *state)
{
	return apr_pstrcat(pool, "keygate_login_",
			   apr_pstrndup(pool, state, 16), NULL);
}

/* The cookie goes to keygate's endpoints only: the prefix, or "/" when
 * Keycloak's broker paths (outside the prefix) answer too. */
static const char *cookie_attrs(kg_gateway *gw, const kg_req *req,
				long long max_age)
{
	return kg_psprintf(
		req->pool,
		"; Path=%s; Max-Age=%lld; HttpOnly%s; "
		"SameSite=Lax",
		gw->conf->saml.keycloak_realm ? "/" : gw->conf->gateway.prefix,
		max_age, kg_origin_cookie_secure(gw, req) ? "; Secure" : "");
}

/* The cookie's sealed JSON, as it was when only OIDC used it, so that
 * cookies in flight survive an upgrade (either way):
 *   {"s": state, "n": N, "v": V, "r": return_to, "t": created_ms}
 * with, by kind,
 *   OIDC         N = nonce,       V = "oidc:" ALIAS ":" code_verifier
 *                                  (V = code_verifier before several
 *                                  OIDC providers: alias NULL)
 *   SAML         N = request_id,  V = "saml:" ALIAS
 *   SAML logout  N = request_id,  V = "saml-logout:" ALIAS
 * A PKCE verifier is base64url and an alias holds no ':', so V tells the
 * kinds apart. */
#define WIRE_SAML "saml:"
#define WIRE_SAML_LOGOUT "saml-logout:"
#define WIRE_OIDC "oidc:"

/* What goes to "n" and "v" for p, or false when p lacks a field its kind
 * needs. */
static bool wire_nv(apr_pool_t *pool, const kg_login_pending *p, const char **n,
		    const char **v)
{
	switch (p->kind) {
	case KG_LOGIN_PENDING_OIDC:
		*n = p->nonce;
		*v = p->code_verifier && p->alias
			     ? apr_pstrcat(pool, WIRE_OIDC, p->alias, ":",
					   p->code_verifier, NULL)
			     : p->code_verifier;
		break;
	case KG_LOGIN_PENDING_SAML:
	case KG_LOGIN_PENDING_SAML_LOGOUT:
		*n = p->request_id;
		*v = p->alias == NULL
			     ? NULL
			     : apr_pstrcat(pool,
					   p->kind == KG_LOGIN_PENDING_SAML
						   ? WIRE_SAML
						   : WIRE_SAML_LOGOUT,
					   p->alias, NULL);
		break;
	default:
		return false;
	}
	return *n != NULL && *v != NULL;
}

/* Fills out's kind and its protocol fields from "n" and "v". */
static void wire_read_nv(apr_pool_t *pool, const char *n, const char *v,
			 kg_login_pending *out)
{
	out->alias = out->request_id = out->nonce = out->code_verifier = NULL;
	if (strncmp(v, WIRE_SAML, strlen(WIRE_SAML)) == 0) {
		out->kind = KG_LOGIN_PENDING_SAML;
		out->alias = v + strlen(WIRE_SAML);
		out->request_id = n;
	} else if (strncmp(v, WIRE_SAML_LOGOUT, strlen(WIRE_SAML_LOGOUT)) ==
		   0) {
		out->kind = KG_LOGIN_PENDING_SAML_LOGOUT;
		out->alias = v + strlen(WIRE_SAML_LOGOUT);
		out->request_id = n;
	} else if (strncmp(v, WIRE_OIDC, strlen(WIRE_OIDC)) == 0 &&
		   strchr(v + strlen(WIRE_OIDC), ':')) {
		const char *alias = v + strlen(WIRE_OIDC);
		const char *colon = strchr(alias, ':');
		out->kind = KG_LOGIN_PENDING_OIDC;
		out->nonce = n;
		out->alias =
			apr_pstrmemdup(pool, alias, (size_t)(colon - alias));
		out->code_verifier = colon + 1;
	} else {
		out->kind = KG_LOGIN_PENDING_OIDC;
		out->nonce = n;
		out->code_verifier = v;
	}
}

long long kg_login_state_timeout_ms(const kg_gateway *gw)
{
	return gw->conf->gateway.login_state_timeout_s * 1000LL;
}

kg_rc kg_login_state_cookie(kg_gateway *gw, const kg_req *req,
			    const kg_login_pending *p, const char **set_cookie,
			    kg_err *err)
{
	apr_pool_t *pool = req->pool;
	kg_buf b;
	unsigned char *sealed;
	const char *n, *v;
	size_t len;
	kg_rc rc;

	if (p->state == NULL || p->return_to == NULL ||
	    !wire_nv(pool, p, &n, &v))
		return kg_err_set(err, KG_EINVAL,
				  "the login state lacks a field");
	kg_buf_init(&b, pool, 256);
	kg_buf_adds(&b, "{\"s\":");
	kg_buf_add_json_string(&b, p->state);
	kg_buf_adds(&b, ",\"n\":");
	kg_buf_add_json_string(&b, n);
	kg_buf_adds(&b, ",\"v\":");
	kg_buf_add_json_string(&b, v);
	kg_buf_adds(&b, ",\"r\":");
	kg_buf_add_json_string(&b, p->return_to);
	kg_buf_addf(&b, ",\"t\":%lld}", p->created_ms);
	rc = kg_sess_blob_seal(gw->store, pool,
			       apr_pstrcat(pool, "login:", p->state, NULL),
			       b.data, b.len, &sealed, &len, err);
	if (rc != KG_OK)
		return rc;
	*set_cookie = apr_pstrcat(
		pool, cookie_name(pool, p->state), "=",
		kg_b64url_encode(pool, sealed, len),
		cookie_attrs(gw, req, gw->conf->gateway.login_state_timeout_s),
		NULL);
	return KG_OK;
}

static const char *member(const kg_json *o, const char *key)
{
	const kg_json *v = kg_json_get(o, key);

	return v && v->type == KG_JSON_STRING ? v->str : NULL;
}

kg_rc kg_login_state_read(kg_gateway *gw, const kg_req *req, const char *state,
			  long long now_ms, kg_login_pending *out, kg_err *err)
{
	const char *value, *n, *v;
	unsigned char *sealed;
	size_t len, plain_len;
	char *plain;
	kg_json *json;
	kg_json_error je;
	const kg_json *t;
	long long created;

	if (state == NULL || strlen(state) < 16)
		return kg_err_set(err, KG_EINVAL, "oidc_state: no state");
	value = kg_req_cookie(req, cookie_name(req->pool, state));
	if (value == NULL ||
	    !kg_b64url_decode(req->pool, value, strlen(value), &sealed, &len))
		return kg_err_set(err, KG_EINVAL,
				  "oidc_state: no login in progress for this "
				  "state in this browser");
	if (kg_sess_blob_open(gw->store, req->pool,
			      apr_pstrcat(req->pool, "login:", state, NULL),
			      sealed, len, &plain, &plain_len, err) != KG_OK ||
	    !kg_json_parse(req->pool, plain, plain_len, 4, &json, &je))
		return kg_err_set(err, KG_EINVAL,
				  "oidc_state: the login state does not open");
	out->state = member(json, "s");
	n = member(json, "n");
	v = member(json, "v");
	out->return_to = member(json, "r");
	t = kg_json_get(json, "t");
	if (!out->state || !n || !v || !out->return_to || t == NULL ||
	    t->type != KG_JSON_NUMBER ||
	    !kg_str_to_int(t->str, 0, INT64_MAX, &created) ||
	    strcmp(out->state, state) != 0)
		return kg_err_set(err, KG_EINVAL,
				  "oidc_state: the login state is malformed");
	if (now_ms - created > kg_login_state_timeout_ms(gw) ||
	    created > now_ms + 60000)
		return kg_err_set(err, KG_EINVAL,
				  "oidc_state: the login took too long "
				  "(KeygateLoginStateTimeout %llds)",
				  gw->conf->gateway.login_state_timeout_s);
	wire_read_nv(req->pool, n, v, out);
	out->created_ms = created;
	return KG_OK;
}

const char *kg_login_state_clear(kg_gateway *gw, const kg_req *req,
				 const char *state)
{
	return apr_pstrcat(req->pool, cookie_name(req->pool, state), "=",
			   cookie_attrs(gw, req, 0), NULL);
}
