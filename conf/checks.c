/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the cross-directive checks, each error and warning located at
 * the directive that causes it.
 */
#include "conf/checks.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Where directive was set, else the first Keygate line, else NULL. */
static const char *where_of(const kg_conf *conf, const char *directive)
{
	const char *at = directive ? kg_conf_where(conf, directive) : NULL;

	return at ? at : conf->first_where;
}

/* " (set at WHERE)" when directive was set, else " (the default)". */
static const char *set_at(const kg_conf *conf, const char *directive)
{
	const char *at = kg_conf_where(conf, directive);

	return at ? kg_psprintf(apr_hash_pool_get(conf->where), " (set at %s)",
				at)
		  : " (the default)";
}

/* The first of the two directives that was written, for a rule between
 * them (a default is never the offending line). */
static const char *written(const kg_conf *conf, const char *a, const char *b)
{
	return kg_conf_where(conf, a) || !kg_conf_where(conf, b) ? a : b;
}

/* Formats "WHERE: text" (or "text") into out. */
static void locate(char *out, size_t n, const char *where, const char *fmt,
		   va_list ap)
{
	int k = where ? snprintf(out, n, "%s: ", where) : 0;

	if (k < 0 || (size_t)k >= n)
		k = 0;
	vsnprintf(out + k, n - (size_t)k, fmt, ap);
}

kg_rc kg_conf_fail(const kg_conf *conf, kg_err *err, const char *directive,
		   const char *fmt, ...)
{
	char msg[KG_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	locate(msg, sizeof(msg), where_of(conf, directive), fmt, ap);
	va_end(ap);
	return kg_err_set(err, KG_ECONFIG, "%s", msg);
}

void kg_conf_warn(kg_conf *conf, const char *directive, const char *fmt, ...)
{
	char msg[KG_ERR_MSG_MAX];
	va_list ap;

	if (conf->warnings == NULL)
		return;
	va_start(ap, fmt);
	locate(msg, sizeof(msg), where_of(conf, directive), fmt, ap);
	va_end(ap);
	APR_ARRAY_PUSH(conf->warnings, const char *) =
		apr_pstrdup(conf->warnings->pool, msg);
}

kg_rc kg_conf_locate(const kg_conf *conf, kg_err *err, const char *directive,
		     kg_rc rc)
{
	char msg[KG_ERR_MSG_MAX];

	if (rc == KG_OK || err == NULL)
		return rc;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	kg_err_clear(err);
	if (directive == NULL ||
	    strncmp(msg, directive, strlen(directive)) == 0)
		kg_conf_fail(conf, err, directive, "%s", msg);
	else
		kg_conf_fail(conf, err, directive, "%s: %s", directive, msg);
	err->rc = rc;
	return rc;
}

/* Every `Require keygate-role` names a role keygate can grant. */
static kg_rc check_required_roles(const kg_conf *conf, kg_err *err)
{
	for (int i = 0; conf->required && i < conf->required->nelts; i++) {
		const kg_conf_required *r =
			&APR_ARRAY_IDX(conf->required, i, kg_conf_required);
		if (kg_conf_mapping_has_role(&conf->mapping, r->role))
			continue;
		return kg_err_set(err, KG_ECONFIG,
				  "%s: Require keygate-role \"%s\" is not one "
				  "of KeygateRoles (%s), so no user can ever "
				  "have it",
				  r->where, r->role,
				  kg_conf_where(conf, "KeygateRoles")
					  ? kg_conf_where(conf, "KeygateRoles")
					  : "Domino's roles by default");
	}
	return KG_OK;
}

/* A __Host- or __Secure- name (RFC 6265bis): browsers keep it only with
 * Secure. */
static bool cookie_prefix_needs_secure(const char *name)
{
	return strncasecmp(name, "__Host-", 7) == 0 ||
	       strncasecmp(name, "__Secure-", 9) == 0;
}

/* The cookie's Secure attribute against the cookie name, SameSite and
 * the public origin's scheme. */
static kg_rc check_cookie(kg_conf *conf, kg_err *err)
{
	const kg_conf_sessions *s = &conf->sessions;
	const char *base = conf->gateway.base_url;
	bool http = base && strncmp(base, "http://", 7) == 0;
	bool none = strcasecmp(s->cookie_samesite, "None") == 0;
	bool prefixed = cookie_prefix_needs_secure(s->cookie_name);

	if (http && s->cookie_secure == KG_COOKIE_SECURE_ON)
		return kg_conf_fail(
			conf, err, "KeygateBaseURL",
			"KeygateBaseURL %s is http://, but KeygateCookieSecure "
			"On%s: browsers never send a Secure cookie over http, "
			"so every login would loop",
			base, set_at(conf, "KeygateCookieSecure"));
	if (s->cookie_secure == KG_COOKIE_SECURE_OFF && prefixed)
		return kg_conf_fail(
			conf, err, "KeygateCookieSecure",
			"KeygateCookieSecure Off, but the cookie name %s%s "
			"needs Secure (browsers drop such a cookie without it)",
			s->cookie_name, set_at(conf, "KeygateCookieName"));
	if (s->cookie_secure == KG_COOKIE_SECURE_OFF && none)
		return kg_conf_fail(
			conf, err, "KeygateCookieSameSite",
			"KeygateCookieSameSite None needs Secure, but "
			"KeygateCookieSecure Off%s (browsers drop a "
			"SameSite=None cookie without Secure)",
			set_at(conf, "KeygateCookieSecure"));
	if (http && prefixed)
		return kg_conf_fail(
			conf, err, "KeygateCookieName",
			"KeygateCookieName %s needs Secure, but KeygateBaseURL "
			"%s%s is http://, so the cookie goes without it "
			"and browsers drop it",
			s->cookie_name, base, set_at(conf, "KeygateBaseURL"));
	if (http && none)
		return kg_conf_fail(conf, err, "KeygateCookieSameSite",
				    "KeygateCookieSameSite None needs Secure, "
				    "but KeygateBaseURL %s%s is http://, so "
				    "the cookie goes without it and browsers "
				    "drop it",
				    base, set_at(conf, "KeygateBaseURL"));
	if (http)
		kg_conf_warn(conf, "KeygateBaseURL",
			     "KeygateBaseURL %s is http://: the session cookie "
			     "travels in clear (use https:// outside a test "
			     "setup)",
			     base);
	return KG_OK;
}

/* Domino's rule (auth-sso-sessions): access-token lifespan < SSO Session
 * Idle <= SSO Session Max; and a touch interval that lets an active
 * session's last access stay fresher than the idle timeout. */
static kg_rc check_timeouts(kg_conf *conf, kg_err *err)
{
	const kg_conf_sessions *s = &conf->sessions;
	long long token = conf->gateway.app_jwt_lifetime_s;
	const char *at;

	if (s->sso_idle_s > s->sso_max_s) {
		at = written(conf, "KeygateSessionIdleTimeout",
			     "KeygateSessionMaxLifetime");
		return kg_conf_fail(
			conf, err, at,
			"KeygateSessionIdleTimeout %llds%s is longer than "
			"KeygateSessionMaxLifetime %llds%s: Domino's rule is "
			"access-token lifespan < SSO Session Idle <= SSO "
			"Session Max",
			s->sso_idle_s,
			set_at(conf, "KeygateSessionIdleTimeout"), s->sso_max_s,
			set_at(conf, "KeygateSessionMaxLifetime"));
	}
	if (conf->gateway.app_jwt_key && s->sso_idle_s > 0 &&
	    token >= s->sso_idle_s) {
		at = written(conf, "KeygateAppJWTLifetime",
			     "KeygateSessionIdleTimeout");
		return kg_conf_fail(
			conf, err, at,
			"KeygateAppJWTLifetime %llds%s is not shorter than "
			"KeygateSessionIdleTimeout %llds%s: Domino's rule is "
			"access-token lifespan < SSO Session Idle <= SSO "
			"Session Max",
			token, set_at(conf, "KeygateAppJWTLifetime"),
			s->sso_idle_s,
			set_at(conf, "KeygateSessionIdleTimeout"));
	}
	if (s->sso_idle_s > 0 && s->touch_interval_s >= s->sso_idle_s) {
		at = written(conf, "KeygateSessionTouchInterval",
			     "KeygateSessionIdleTimeout");
		return kg_conf_fail(
			conf, err, at,
			"KeygateSessionTouchInterval %llds%s is not shorter "
			"than KeygateSessionIdleTimeout %llds%s: a session "
			"in use could look idle and end",
			s->touch_interval_s,
			set_at(conf, "KeygateSessionTouchInterval"),
			s->sso_idle_s,
			set_at(conf, "KeygateSessionIdleTimeout"));
	}
	if (s->idle_timeout_s > s->sso_max_s)
		kg_conf_warn(conf, "KeygateIdleTimeout",
			     "KeygateIdleTimeout (%lld min) is longer than "
			     "KeygateSessionMaxLifetime %llds: it never ends a "
			     "session",
			     s->idle_timeout_s / 60, s->sso_max_s);
	return KG_OK;
}

/* Settings that work but are likely a slip. */
static void check_secrets(kg_conf *conf)
{
	const kg_conf_secret *a = &conf->sessions.secret,
			     *b = &conf->sessions.previous_secret;

	if (a->bytes && b->bytes && a->len == b->len &&
	    memcmp(a->bytes, b->bytes, a->len) == 0)
		kg_conf_warn(conf, "KeygateSessionPreviousSecret",
			     "KeygateSessionPreviousSecret is the same as "
			     "KeygateSessionSecret: a rollover needs the old "
			     "secret here");
}

kg_rc kg_conf_checks(kg_conf *conf, kg_err *err)
{
	kg_rc rc;

	conf->warnings = apr_array_make(apr_hash_pool_get(conf->where), 2,
					sizeof(const char *));
	if ((rc = check_required_roles(conf, err)) != KG_OK ||
	    (rc = check_cookie(conf, err)) != KG_OK ||
	    (rc = check_timeouts(conf, err)) != KG_OK)
		return rc;
	check_secrets(conf);
	return KG_OK;
}
