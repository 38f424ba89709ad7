/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the configuration checks that span directives, and how their
 * errors and warnings name the offending line.
 *
 * One primitive for httpd (apachectl -t, start) and `keygate
 * check-config`: kg_conf_finish runs kg_conf_checks, and every error or
 * warning starts with the FILE:LINE (FILE:LINE:COL from the CLI reader)
 * where the offending directive was set, as kg_conf_note recorded it.
 * A rule whose directive was never written (a missing setting) names the
 * server's first Keygate line.
 */
#ifndef KG_CONF_CHECKS_H
#define KG_CONF_CHECKS_H

#include "conf/conf.h"

/* Sets err to KG_ECONFIG with "WHERE: text", WHERE being directive's
 * last location (or the first Keygate line's when directive is NULL or
 * was not set; no prefix when neither is known). Returns KG_ECONFIG. */
kg_rc kg_conf_fail(const kg_conf *conf, kg_err *err, const char *directive,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds "WHERE: text" to conf->warnings, located as kg_conf_fail does. */
void kg_conf_warn(kg_conf *conf, const char *directive, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* When rc is an error, rewrites err's message as "WHERE: DIRECTIVE:
 * message" (a file a directive names failed to load, say); DIRECTIVE: is
 * left out when the message starts with it. Returns rc. */
kg_rc kg_conf_locate(const kg_conf *conf, kg_err *err, const char *directive,
		     kg_rc rc);

/* The cross-directive rules (docs/configuration.md "Checks at start"):
 *  - every `Require keygate-role` names one of KeygateRoles;
 *  - a __Host- or __Secure- cookie name, and SameSite=None, need Secure;
 *  - an http:// KeygateBaseURL cannot carry a Secure cookie;
 *  - Domino's timeout rule: app token lifetime < session idle <= max;
 *  - the touch interval is shorter than the idle timeout;
 * and warnings for setups that work but are likely wrong. Returns KG_OK
 * or the first error (kg_conf_fail); conf->warnings is replaced. */
kg_rc kg_conf_checks(kg_conf *conf, kg_err *err);

#endif
