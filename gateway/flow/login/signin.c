/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: PREFIX login as a person meets it: a hint (kc_idp_hint, idp)
 * or an email address picks the provider; with several providers and no
 * default, the sign-in page lists one button per provider. A hint never
 * becomes a Location: only a configured alias is ever followed.
 */
#include "gateway/flow/login/login.h"
#include "gateway/flow/core/page.h"
#include "gateway/flow/core/redirect.h"
#include "gateway/flow/core/reply.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

/* Starts the login at provider p. */
static void start_provider(kg_gateway *gw, kg_req *req,
			   const kg_conf_provider *p, const kg_log *log,
			   kg_resp *resp)
{
	kg_login_start(gw, req, p->alias, log, resp);
}

/* The default login, as before the sign-in page (kg_login_start):
 * KeygateLoginProvider, else the first OIDC provider, else the first
 * SAML provider. */
static void start_default(kg_gateway *gw, kg_req *req, const kg_log *log,
			  kg_resp *resp)
{
	kg_login_start(gw, req, NULL, log, resp);
}

const char *kg_login_button_text(const kg_conf_provider *p)
{
	return p->display_name && *p->display_name &&
			       strcmp(p->display_name, p->alias) != 0
		       ? p->display_name
		       : "Continue with Single Sign On";
}

/* <ul> of one link per provider, in order, each keeping back. */
static const char *providers_html(kg_gateway *gw, apr_pool_t *pool,
				  const kg_conf_provider *list, size_t n,
				  const char *back, const char *extra)
{
	const char *enc = kg_str_url_encode(pool, back);
	kg_buf b;

	kg_buf_init(&b, pool, 256 + n * 160);
	kg_buf_adds(&b, "<ul class=\"providers\">\n");
	for (size_t i = 0; i < n; i++) {
		const char *href = apr_pstrcat(
			pool, gw->conf->gateway.prefix,
			"login?idp=", kg_str_url_encode(pool, list[i].alias),
			"&return_to=", enc, extra, NULL);
		kg_buf_addf(
			&b,
			"<li><a class=\"button\" id=\"provider-%s\" "
			"data-protocol=\"%s\" href=\"%s\">%s</a></li>\n",
			kg_reply_escape(pool, list[i].alias),
			kg_conf_provider_protocol_name(list[i].protocol),
			kg_reply_escape(pool, href),
			kg_reply_escape(pool, kg_login_button_text(&list[i])));
	}
	kg_buf_adds(&b, "</ul>\n");
	return b.data;
}

/* The email form, when some provider has email domains; else "".
 * fresh adds a hidden prompt=login. */
static const char *discovery_html(kg_gateway *gw, apr_pool_t *pool,
				  const kg_conf_provider *list, size_t n,
				  const char *back, bool fresh)
{
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any |= list[i].email_domains && list[i].email_domains->nelts;
	if (!any)
		return "";
	return apr_pstrcat(
		pool, "<form method=\"get\" action=\"",
		kg_reply_escape(pool,
				apr_pstrcat(pool, gw->conf->gateway.prefix,
					    "login", NULL)),
		"\">\n<p class=\"or\">or</p>\n"
		"<label for=\"email\">Sign in with your work email</label>\n"
		"<input id=\"email\" name=\"email\" type=\"email\" "
		"autocomplete=\"email\" required>\n"
		"<input type=\"hidden\" name=\"return_to\" value=\"",
		kg_reply_escape(pool, back), "\">\n",
		fresh ? "<input type=\"hidden\" name=\"prompt\" "
			"value=\"login\">\n"
		      : "",
		"<button type=\"submit\">Continue</button>\n</form>\n", NULL);
}

/* Shows the sign-in page (200), with notice (or NULL) above the
 * buttons; each button and the email form keep prompt=login when req
 * asked for it. */
static void show_page(kg_gateway *gw, kg_req *req, const char *back,
		      const char *notice, kg_resp *resp)
{
	size_t n = 0;
	const kg_conf_provider *list = kg_conf_providers(gw->conf, &n);
	kg_page_values vals = {{NULL}};

	vals.v[KG_PV_TITLE] = "Sign in";
	vals.v[KG_PV_RETURN_TO] = back;
	vals.v[KG_PV_NOTICE_HTML] =
		notice ? apr_pstrcat(req->pool,
				     "<p class=\"notice\" role=\"status\">",
				     kg_reply_escape(req->pool, notice),
				     "</p>\n", NULL)
		       : NULL;
	vals.v[KG_PV_PROVIDERS_HTML] = providers_html(
		gw, req->pool, list, n, back, kg_login_fresh_auth_query(req));
	vals.v[KG_PV_DISCOVERY_HTML] = discovery_html(
		gw, req->pool, list, n, back, kg_login_fresh_auth(req));
	kg_page_reply(gw, req, resp, 200, KG_PAGE_SIGNIN, &vals);
}

void kg_login_signin(kg_gateway *gw, kg_req *req, const char *alias,
		     const kg_log *log, kg_resp *resp)
{
	const char *param = "kc_idp_hint";
	const char *hint = kg_req_param(req, param);
	const char *email = kg_req_param(req, "email");
	const char *back = kg_redirect_return_to(req, log);
	const kg_conf_provider *p;
	size_t n = 0;

	(void)kg_conf_providers(gw->conf, &n);
	if (hint == NULL || *hint == '\0')
		hint = kg_req_param(req, param = "idp");
	if (hint && *hint) {
		if ((p = kg_conf_provider_find(gw->conf, hint)) != NULL) {
			start_provider(gw, req, p, log, resp);
			return;
		}
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0444",
			    "REJECT proto=login reason=unknown_hint param=%s "
			    "hint=%s",
			    param, hint);
		show_page(gw, req, back,
			  "The sign-in link names a sign-in option this site "
			  "does not have. Choose one below.",
			  resp);
		return;
	}
	if (email && *email) {
		if ((p = kg_conf_providers_by_email(&gw->conf->providers,
						    email)) != NULL) {
			start_provider(gw, req, p, log, resp);
			return;
		}
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0445",
			    "REJECT proto=login reason=unknown_email_domain");
		show_page(gw, req, back,
			  "No sign-in option is set up for that email "
			  "address. Choose one below.",
			  resp);
		return;
	}
	if (n <= 1 || gw->conf->gateway.login_alias) {
		start_default(gw, req, log, resp);
		return;
	}
	show_page(gw, req, back, NULL, resp);
}
