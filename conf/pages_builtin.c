/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the built-in page templates (docs/pages.md shows the
 * placeholders an admin's own templates may use).
 */
#include "conf/pages_builtin.h"

/* clang-format off */
#define HEAD \
	"<!doctype html>\n<html lang=\"en\">\n<head>\n" \
	"<meta charset=\"utf-8\">\n" \
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" \
	"<meta name=\"robots\" content=\"noindex\">\n" \
	"<title>{{title}} - Domino</title>\n<style>\n" \
	"body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#1a1a1a;background:#eef0f3}\n" \
	"main{max-width:28rem;margin:4rem auto;padding:2rem;background:#fff;border:1px solid #c4c9d0;border-radius:8px}\n" \
	"h1{font-size:1.5rem;margin:0 0 1rem}\n" \
	"a{color:#0a4a94}\n" \
	"ul{list-style:none;margin:0;padding:0}\n" \
	".button,button{display:block;width:100%;box-sizing:border-box;margin:.5rem 0;padding:.75rem 1rem;font:inherit;font-weight:600;text-align:center;text-decoration:none;color:#fff;background:#0a4a94;border:2px solid #0a4a94;border-radius:6px;cursor:pointer}\n" \
	".button.secondary{color:#0a4a94;background:#fff}\n" \
	"a:focus,button:focus,input:focus{outline:3px solid #b35900;outline-offset:2px}\n" \
	".notice{padding:.75rem;background:#fff4e5;border-left:4px solid #8a4500}\n" \
	".ref{color:#3d3d3d;font-size:.875rem}\n" \
	"label{display:block;font-weight:600;margin-top:1.5rem}\n" \
	"input{width:100%;box-sizing:border-box;padding:.6rem;font:inherit;border:1px solid #5c6370;border-radius:6px}\n" \
	".or{margin:1.5rem 0 0;color:#3d3d3d;text-align:center}\n" \
	"</style>\n</head>\n<body>\n<main id=\"main\">\n" \
	"<h1>{{title}}</h1>\n"
#define FOOT "</main>\n</body>\n</html>\n"
#define REF \
	"<p class=\"ref\">Reference: <code id=\"reference\">{{reference}}</code>. " \
	"Quote it when you contact your administrator.</p>\n"

static const char *const builtin[KG_PAGE_COUNT] = {
	[KG_PAGE_SIGNIN] = HEAD
		"{{notice_html}}"
		"<nav aria-label=\"Sign-in options\">\n{{providers_html}}</nav>\n"
		"{{discovery_html}}"
		FOOT,
	[KG_PAGE_DENIED] = HEAD
		"<p id=\"message\">{{message}}</p>\n"
		REF
		"<a class=\"button\" href=\"{{signin_url}}\">Sign in as someone else</a>\n"
		"<a class=\"button secondary\" href=\"{{signout_url}}\">Sign out</a>\n"
		FOOT,
	[KG_PAGE_LIMIT] = HEAD
		"<p id=\"message\">{{message}}</p>\n"
		"<p>Sign out of Domino in another browser or tab, then try again.</p>\n"
		REF
		"<a class=\"button\" href=\"{{signin_url}}\">Try again</a>\n"
		"<a class=\"button secondary\" href=\"{{signout_url}}\">Sign out</a>\n"
		FOOT,
	[KG_PAGE_SIGNED_OUT] = HEAD
		"<p id=\"message\">{{message}}</p>\n"
		"<a class=\"button\" href=\"{{signin_url}}\">Sign in again</a>\n"
		FOOT,
	[KG_PAGE_ERROR] = HEAD
		"<p id=\"message\">{{message}}</p>\n"
		REF
		"<a class=\"button\" href=\"{{signin_url}}\">Sign in again</a>\n"
		"<a class=\"button secondary\" href=\"/\">Go to the start page</a>\n"
		FOOT,
};
/* clang-format on */

const char *kg_conf_page_builtin(kg_page_id id)
{
	return (unsigned)id < KG_PAGE_COUNT ? builtin[id] : "";
}
