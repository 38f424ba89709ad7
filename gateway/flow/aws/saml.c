/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: POST PREFIX aws/saml/ALIAS, AWS credentials mode b
 * (KeygateAwsSAMLResponse separate): the IdP's AWS application posts a
 * Response addressed to AWS for a user who is already signed in. It is
 * verified as kg_saml_aws_response says, used once (the replay cache),
 * must name the session's NameID from the same IdP, and is used only for
 * STS: it never signs anyone in. The roles come from it through the
 * alias's mappers.
 *
 * The IdP's page posts cross-site, so a SameSite=Lax session cookie does
 * not come with it: a POST without a cookie is answered with a page that
 * posts the same form again from keygate's own origin (once).
 */
#include "gateway/flow/aws/aws.h"
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/aws/file.h"
#include "gateway/flow/core/reply.h"
#include "gateway/flow/core/admit.h"
#include "gateway/flow/core/reply.h"
#include "gateway/flow/core/redirect.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

/* The page that posts the form again from this origin. */
static void repost(kg_req *req, kg_resp *resp, const char *response,
		   const char *relay)
{
	const char *page = apr_pstrcat(
		req->pool,
		"<!DOCTYPE html><html><head><title>Signing in to AWS"
		"</title></head><body onload=\"document.forms[0].submit()\">"
		"<form method=\"post\" action=\"",
		kg_reply_escape(req->pool, req->path),
		"\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"",
		kg_reply_escape(req->pool, response),
		"\"><input type=\"hidden\" name=\"RelayState\" value=\"",
		kg_reply_escape(req->pool, relay ? relay : ""),
		"\"><input type=\"hidden\" name=\"kg_repost\" value=\"1\">"
		"<noscript><button type=\"submit\">Continue</button></noscript>"
		"</form></body></html>",
		NULL);

	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_reply(resp, 200, "text/html; charset=utf-8", page);
}

/* The refusal of this endpoint: KG-0620 with the reason token. */
static void refuse(const kg_log *log, kg_resp *resp, kg_rc rc,
		   const char *reason, const char *detail)
{
	kg_reply_refuse(log, resp, rc, "KG-0620", "saml-aws", reason, "%s",
			detail);
}

/* The AWS roles the alias's mappers find in the verified assertion. */
static kg_rc map_roles(kg_gateway *gw, kg_req *req, const kg_log *log,
		       const char *alias, const kg_saml_verified *v,
		       kg_user **out, kg_err *err)
{
	kg_map_input in = {.proto = KG_PROTO_SAML, .saml = v->assertion};
	const kg_mapper_set *set = NULL;
	kg_mappers_gen *gen;
	kg_admit_outcome o;
	kg_rc rc;

	if (gw->mappers == NULL)
		return kg_err_set(err, KG_ECONFIG, "no KeygateMappers file");
	gen = kg_mappers_live_acquire(gw->mappers, kg_state_now_ms() / 1000,
				      log, &set);
	rc = kg_admit_map(req->pool, set, &gw->conf->mapping, alias, &in, NULL,
			  &o, err);
	if (rc == KG_OK)
		*out = kg_user_copy(req->pool, o.user);
	kg_mappers_live_release(gw->mappers, gen);
	return rc;
}

/* True when the stored form holds at least one role with keys. */
static bool issued_any(apr_pool_t *pool, const char *stored)
{
	kg_aws_set *set;
	kg_err err = {0};

	if (stored == NULL ||
	    kg_aws_set_decode(pool, stored, &set, &err) != KG_OK)
		return false;
	for (int i = 0; i < set->roles->nelts; i++)
		if (APR_ARRAY_IDX(set->roles, i, kg_aws_role_creds).ok)
			return true;
	return false;
}

/* Checks the Response and that it is this session's user's, once. */
static kg_rc check(kg_gateway *gw, kg_req *req, const char *alias,
		   const kg_sess_record *rec, const char *response,
		   kg_saml_verified *v, const char **reason, kg_err *err)
{
	kg_saml *saml = kg_state_saml(gw, alias);
	long long now = kg_state_now_ms();
	bool first = false;
	kg_rc rc;

	rc = kg_saml_aws_response(saml, req->pool, response, now, v, reason,
				  err);
	if (rc != KG_OK)
		return rc;
	if (strcmp(rec->idp, alias) != 0 || rec->state.saml_name_id == NULL ||
	    v->assertion->name_id == NULL ||
	    strcmp(rec->state.saml_name_id, v->assertion->name_id) != 0) {
		*reason = "aws_nameid_mismatch";
		return kg_err_set(err, KG_EDENIED,
				  "the Response names another user than the "
				  "session's");
	}
	rc = kg_sess_replay_once(
		gw->store, req->pool, "saml-aws",
		kg_psprintf(req->pool, "%s:%s", alias, v->assertion_id),
		v->valid_until_ms, now, &first, err);
	*reason = rc == KG_EBACKEND ? "cache_unavailable" : "saml_replay";
	if (rc == KG_OK && !first)
		rc = kg_err_set(err, KG_EINVAL,
				"the assertion ID was used "
				"before");
	return rc;
}

void kg_aws_endpoint_saml(kg_gateway *gw, kg_req *req, const char *alias,
			  const kg_log *log, kg_resp *resp)
{
	const char *response = kg_req_form_param(req, "SAMLResponse");
	const char *relay = kg_req_form_param(req, "RelayState");
	const char *reason = "saml_parse";
	kg_sess_record *rec = NULL;
	kg_saml_verified v;
	kg_user *user = NULL;
	const char *fresh;
	kg_err err = {0};
	bool written = false;
	kg_rc rc;

	if (!gw->conf->aws.enabled || !gw->conf->aws.separate_response ||
	    kg_state_saml(gw, alias) == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_such_provider");
		return;
	}
	if (response == NULL) {
		refuse(log, resp, KG_EINVAL, "saml_parse", "no SAMLResponse");
		return;
	}
	rc = kg_authn_session(gw, req, log, &rec, &err);
	if (rc == KG_ENOTFOUND && !kg_req_form_param(req, "kg_repost") &&
	    !kg_req_cookie(req, gw->conf->sessions.cookie_name)) {
		repost(req, resp, response, relay);
		return;
	}
	if (rc != KG_OK) {
		refuse(log, resp, rc == KG_ENOTFOUND ? KG_EAUTH : rc,
		       rc == KG_ENOTFOUND ? "no_session" : "cache_unavailable",
		       "the AWS Response needs a signed-in user");
		return;
	}
	rc = check(gw, req, alias, rec, response, &v, &reason, &err);
	if (rc == KG_OK)
		rc = map_roles(gw, req, log, alias, &v, &user, &err);
	if (rc != KG_OK) {
		refuse(log, resp, rc, reason, err.msg);
		return;
	}
	fresh = kg_aws_assume(gw, req, log, user, v.response_xml);
	/* keys still good are not traded for a set where every role failed */
	if (issued_any(req->pool, fresh) ||
	    !issued_any(req->pool, rec->state.sts_credentials))
		rec->state.sts_credentials = fresh;
	rc = kg_sess_store_save(gw->store, req->pool, rec, kg_state_now_ms(),
				&written, &err);
	if (rc != KG_OK) {
		refuse(log, resp, rc == KG_ENOTFOUND ? KG_EAUTH : rc,
		       rc == KG_ENOTFOUND ? "no_session" : "cache_unavailable",
		       err.msg);
		return;
	}
	kg_aws_write_file(gw, req->pool, log, rec->user->username,
			  rec->state.sts_credentials);
	kg_aws_track(gw, req->pool, log, rec, true);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_redirect(resp, kg_redirect_local_or_root(relay, NULL));
}
