/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: PREFIX post/replay, the page that sends a kept form POST
 * once after the login (preserve.h).
 */
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/authn/preserve.h"
#include "gateway/flow/core/page.h"
#include "gateway/base/rand.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

#define STORE_KEY "keygate-preserved-post"

/* clang-format off */
static const char replay_script[] =
	"(function(){var d=document.getElementById('kg').dataset,k;\n"
	"try{k=JSON.parse(sessionStorage.getItem('" STORE_KEY "'));"
	"sessionStorage.removeItem('" STORE_KEY "');}catch(e){k=null;}\n"
	"var a=k&&k.action;\n"
	"if(!k||k.token!==d.token||typeof a!=='string'||a.charAt(0)!=='/'||"
	"a.charAt(1)==='/'||a.charAt(1)==='\\\\'||"
	"Date.now()-k.at>Number(d.ttl)){location.replace('/');return;}\n"
	"var f=document.createElement('form');f.method='post';f.action=a;\n"
	"new URLSearchParams(k.body).forEach(function(v,n){"
	"var i=document.createElement('input');i.type='hidden';i.name=n;"
	"i.value=v;f.appendChild(i);});\n"
	"document.body.appendChild(f);f.submit();})();\n";
/* clang-format on */

void kg_authn_post_replay(kg_gateway *gw, kg_req *req, const char *alias,
			  const kg_log *log, kg_resp *resp)
{
	const char *token = kg_req_param(req, "t"), *nonce = NULL;
	kg_sess_record *rec = NULL;
	kg_err err = {0};
	kg_rc rc = kg_authn_session(gw, req, log, &rec, &err);
	const char *self;

	if (rc != KG_OK && rc != KG_ENOTFOUND) {
		kg_resp_fail(resp, rc, "cache_unavailable");
		return;
	}
	if (token == NULL ||
	    strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "abcdefghijklmnopqrstuvwxyz"
			  "0123456789-_") != strlen(token) ||
	    strlen(token) != 32) {
		kg_resp_fail(resp, KG_EINVAL, "post_token");
		return;
	}
	if (rc == KG_ENOTFOUND) {
		self = apr_pstrcat(req->pool, gw->conf->gateway.prefix,
				   "post/replay?t=", token, NULL);
		apr_table_setn(resp->headers, "Cache-Control", "no-store");
		kg_resp_redirect(
			resp, kg_page_signin_url(gw, req->pool, self, false));
		return;
	}
	if (kg_rand_b64(req->pool, 16, &nonce, &err) != KG_OK) {
		kg_resp_fail(resp, KG_EINTERNAL, "random");
		return;
	}
	kg_authn_script_page(
		req, resp, nonce, "Sending your form again",
		kg_psprintf(req->pool, "data-token=\"%s\" data-ttl=\"%lld\"",
			    token,
			    gw->conf->gateway.login_state_timeout_s * 1000),
		replay_script,
		"<p>Sending what you sent before you signed in.</p>\n"
		"<noscript><p>This needs JavaScript. <a href=\"/\">Go to "
		"the start page</a></p></noscript>\n");
}
