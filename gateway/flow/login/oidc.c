/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the OIDC endpoints: `login` starts the authorization-code flow
 * with PKCE, state and nonce; `oidc/callback` finishes it.
 */
#include "gateway/flow/login/login.h"
#include "sessions/tags.h"
#include "gateway/flow/core/reply.h"
#include "gateway/flow/login/finish.h"
#include "gateway/flow/login/state.h"
#include "gateway/flow/core/reply.h"
#include "gateway/flow/core/redirect.h"
#include "gateway/flow/core/origin.h"

#include <apr_strings.h>
#include <string.h>

/* True when p is the first OIDC provider declared: the one that keeps
 * the paths of a gateway with one OIDC provider (PREFIX oidc/callback,
 * PREFIX oidc/backchannel), so its registration at the provider holds. */
static bool is_first(const kg_gateway *gw, const kg_conf_oidc *p)
{
	return APR_ARRAY_IDX(gw->conf->oidc.providers, 0, kg_conf_oidc *) == p;
}

/* BASE PREFIX oidc/ALIAS/callback (PREFIX oidc/callback for the first
 * provider), where BASE is the request's public origin (KeygateBaseURL,
 * or the one a trusted proxy names): the callback comes to the same
 * origin the login started at, and each provider has its own redirect
 * URI, so a code cannot be carried to another provider (mix-up). */
static const char *redirect_uri(kg_gateway *gw, const kg_req *req,
				const kg_conf_oidc *p)
{
	return apr_pstrcat(req->pool, kg_origin(gw, req),
			   gw->conf->gateway.prefix, "oidc/",
			   is_first(gw, p) ? "" : p->alias,
			   is_first(gw, p) ? "" : "/", "callback", NULL);
}

/* The login state of an OIDC login the relying party started. */
static kg_login_pending from_oidc(const kg_oidc_pending *o, const char *alias)
{
	return (kg_login_pending){.kind = KG_LOGIN_PENDING_OIDC,
				  .alias = alias,
				  .state = o->state,
				  .nonce = o->nonce,
				  .code_verifier = o->code_verifier,
				  .return_to = o->return_to,
				  .created_ms = o->created_ms};
}

/* What the relying party needs back of an OIDC login state. */
static kg_oidc_pending to_oidc(const kg_login_pending *p)
{
	return (kg_oidc_pending){.state = p->state,
				 .nonce = p->nonce,
				 .code_verifier = p->code_verifier,
				 .return_to = p->return_to,
				 .created_ms = p->created_ms};
}

void kg_login_oidc_start(kg_gateway *gw, kg_req *req, const char *alias,
			 const kg_log *log, kg_resp *resp)
{
	const char *back = kg_redirect_return_to(req, log);
	const kg_conf_oidc *p = NULL;
	kg_oidc *oidc = kg_state_oidc(gw, alias, &p);
	kg_oidc_pending started;
	kg_login_pending pending;
	const char *url, *cookie;
	kg_err err = {0};
	kg_rc rc;

	if (oidc == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_login_provider");
		return;
	}
	rc = kg_oidc_login_url(oidc, req->pool, redirect_uri(gw, req, p), back,
			       kg_login_fresh_auth(req), kg_state_now_ms(),
			       &started, &url, &err);
	if (rc == KG_OK) {
		pending = from_oidc(&started, p->alias);
		rc = kg_login_state_cookie(gw, req, &pending, &cookie, &err);
	}
	if (rc != KG_OK) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0510",
			    "login cannot start idp=%s: %s", p->alias, err.msg);
		kg_resp_fail(resp, rc, "oidc_discovery");
		return;
	}
	apr_table_addn(resp->headers, "Set-Cookie", cookie);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_redirect(resp, url);
}

/* A refused callback: one KG-0511 line with the reason, a 400 (401 for
 * a token that does not verify, 503 when the provider or Redis is down). */
static void refuse_callback(const kg_log *log, kg_resp *resp, kg_rc rc,
			    const char *reason, const char *detail)
{
	kg_reply_refuse(log, resp, rc, "KG-0511", "oidc", reason, "%s", detail);
}

/* True when id is used for the first time in namespace ns (kept for
 * twice KeygateLoginStateTimeout); else refuses the callback: reason
 * when it was used before, cache_unavailable when Redis is down. */
static bool first_use_of(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_resp *resp, const char *ns, const char *id,
			 long long now, const char *reason)
{
	kg_err err = {0};
	bool first = false;
	kg_rc rc = kg_sess_replay_once(gw->store, req->pool, ns, id,
				       now + kg_login_state_timeout_ms(gw) * 2,
				       now, &first, &err);

	if (rc != KG_OK)
		refuse_callback(log, resp, rc, "cache_unavailable", err.msg);
	else if (!first)
		refuse_callback(log, resp, KG_EINVAL, reason,
				apr_pstrcat(req->pool, ns, " replayed", NULL));
	return rc == KG_OK && first;
}

void kg_login_oidc_callback(kg_gateway *gw, kg_req *req, const char *alias,
			    const kg_log *log, kg_resp *resp)
{
	const char *state = kg_req_param(req, "state");
	const char *code = kg_req_param(req, "code");
	const char *idp_error = kg_req_param(req, "error");
	long long now = kg_state_now_ms();
	const char *iss = kg_req_param(req, "iss");
	const kg_conf_oidc *p = NULL;
	kg_oidc *rp = kg_state_oidc(gw, alias, &p);
	kg_login_pending pending;
	kg_oidc_pending oidc;
	kg_oidc_tokens tokens;
	kg_login_done done = {0};
	kg_err err = {0};
	int n_tags;
	kg_rc rc;

	if (rp == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_login_provider");
		return;
	}
	if (idp_error) {
		refuse_callback(
			log, resp, KG_EAUTH, "oidc_error",
			apr_pstrcat(req->pool, "error=", idp_error, NULL));
		return;
	}
	rc = kg_login_state_read(gw, req, state, now, &pending, &err);
	if (rc == KG_OK && pending.kind != KG_LOGIN_PENDING_OIDC)
		rc = kg_err_set(&err, KG_EINVAL,
				"oidc_state: the state is a SAML one");
	/* the state is bound to the provider the login went to: a callback
	 * on another provider's path is a mix-up, never a login there (a
	 * state from before several providers belongs to the first) */
	if (rc == KG_OK && pending.alias == NULL)
		pending.alias = APR_ARRAY_IDX(gw->conf->oidc.providers, 0,
					      kg_conf_oidc *)
					->alias;
	if (rc == KG_OK && strcmp(pending.alias, p->alias) != 0)
		rc = kg_err_set(&err, KG_EINVAL,
				"oidc_state: the login went to provider %s, "
				"the callback came for %s",
				pending.alias, p->alias);
	/* RFC 9207: a provider that names itself must be this one */
	if (rc == KG_OK && iss && strcmp(iss, p->issuer) != 0)
		rc = kg_err_set(&err, KG_EINVAL,
				"oidc_state: the answer's iss is not the "
				"issuer of provider %s",
				p->alias);
	if (rc != KG_OK) {
		refuse_callback(log, resp, KG_EINVAL, "oidc_state", err.msg);
		return;
	}
	apr_table_addn(resp->headers, "Set-Cookie",
		       kg_login_state_clear(gw, req, state));
	/* a state is good for one callback, even if the browser kept its
	 * cookie: nothing reaches the provider twice */
	if (!first_use_of(gw, req, log, resp, "state", state, now,
			  "oidc_state"))
		return;
	if (code == NULL) {
		refuse_callback(log, resp, KG_EINVAL, "oidc_code", "no code");
		return;
	}
	oidc = to_oidc(&pending);
	rc = kg_oidc_redeem(rp, req->pool, &oidc, state, code,
			    redirect_uri(gw, req, p), now, &tokens, &err);
	if (rc != KG_OK) {
		refuse_callback(log, resp, rc,
				rc == KG_EBACKEND ? "oidc_provider"
						  : "oidc_token",
				err.msg);
		return;
	}
	/* the nonce's key is "nonce:NONCE" (sessions/replay.c); gateways
	 * before kg_sess_replay_once hashed the bare nonce, so during a
	 * rolling upgrade one may miss a nonce another recorded. That is
	 * safe: the nonce comes sealed in the login-state cookie with its
	 * state, so a callback repeating it repeats the state, whose key
	 * did not change and which was checked above; and the entry lives
	 * only 2 x KeygateLoginStateTimeout */
	if (!first_use_of(gw, req, log, resp, "nonce", pending.nonce, now,
			  "oidc_nonce"))
		return;
	done.alias = p->alias;
	done.protocol = "oidc";
	done.browser = true; /* a code flow always starts here */
	done.input.proto = KG_PROTO_OIDC;
	done.input.claims = tokens.claims;
	done.state.oidc_id_token = tokens.id_token;
	done.state.oidc_access_token = tokens.access_token;
	done.state.oidc_refresh_token = tokens.refresh_token;
	done.state.oidc_access_expires =
		tokens.access_expires_ms > 0
			? kg_psprintf(req->pool, "%lld",
				      tokens.access_expires_ms)
			: NULL;
	done.return_to = kg_redirect_local_or_root(pending.return_to, NULL);
	n_tags = 0;
	if (tokens.sub)
		done.tags[n_tags++] =
			kg_sess_tag_oidc_sub(req->pool, p->issuer, tokens.sub);
	if (tokens.sid)
		done.tags[n_tags++] =
			kg_sess_tag_oidc_sid(req->pool, p->issuer, tokens.sid);
	kg_login_finish(gw, req, log, &done, resp);
}
