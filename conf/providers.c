/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the login providers: one alias space for SAML and OIDC, their
 * display names, button order, email domains and own session limits.
 *
 * The list is kept sorted in button order at every change, so readers
 * (the sign-in page, the router) never sort and need no finishing step.
 */
#include "conf/providers.h"
#include "conf/conf.h"
#include "conf/directive.h"
#include "conf/directives.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void kg_conf_providers_defaults(apr_pool_t *pool, kg_conf_provider_list *p)
{
	p->list = apr_array_make(pool, 4, sizeof(kg_conf_provider));
}

bool kg_conf_alias_valid(const char *s)
{
	return *s && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.") == strlen(s);
}

const char *kg_conf_provider_protocol_name(kg_provider_protocol protocol)
{
	return protocol == KG_PROVIDER_OIDC ? "oidc" : "saml";
}

/* The provider named alias in p, or NULL. */
static kg_conf_provider *find(const kg_conf_provider_list *p, const char *alias)
{
	for (int i = 0; alias && i < p->list->nelts; i++) {
		kg_conf_provider *e =
			&APR_ARRAY_IDX(p->list, i, kg_conf_provider);
		if (strcmp(e->alias, alias) == 0)
			return e;
	}
	return NULL;
}

/* Button order: order first, then declaration. */
static int by_order(const void *a, const void *b)
{
	const kg_conf_provider *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts p's list into button order (seq makes the order total, so the
 * unstable qsort is stable here). */
static void sort(kg_conf_provider_list *p)
{
	qsort(p->list->elts, (size_t)p->list->nelts, sizeof(kg_conf_provider),
	      by_order);
}

const char *kg_conf_provider_add(kg_conf_provider_list *p, apr_pool_t *pool,
				 const char *alias,
				 kg_provider_protocol protocol)
{
	const kg_conf_provider *old = find(p, alias);
	kg_conf_provider *e;

	if (!kg_conf_alias_valid(alias))
		return "must be letters, digits, '-', '_' or '.'";
	if (old)
		return old->file ? kg_psprintf(pool,
					       "names an identity provider "
					       "already defined at %s:%d",
					       old->file, old->line)
				 : "names an identity provider already defined";
	e = apr_array_push(p->list);
	memset(e, 0, sizeof(*e));
	e->alias = apr_pstrdup(pool, alias);
	e->protocol = protocol;
	e->order = KG_PROVIDER_ORDER_DEFAULT;
	e->email_domains = apr_array_make(pool, 1, sizeof(const char *));
	e->seq = p->list->nelts - 1;
	sort(p);
	return NULL;
}

void kg_conf_providers_note(kg_conf_provider_list *p, apr_pool_t *pool,
			    const char *where)
{
	const char *colon = strrchr(where, ':'), *prev;
	long long line = 0, col = 0;

	if (colon == NULL || !kg_str_to_int(colon + 1, 1, 1 << 30, &line))
		return;
	/* FILE:LINE:COL (the CLI's reader) as well as FILE:LINE (httpd) */
	for (prev = colon; prev > where && prev[-1] != ':'; prev--)
		;
	if (prev > where + 1 && prev < colon &&
	    kg_str_to_int(apr_pstrmemdup(pool, prev, (size_t)(colon - prev)), 1,
			  1 << 30, &col)) {
		colon = prev - 1;
		line = col;
	}
	for (int i = 0; i < p->list->nelts; i++) {
		kg_conf_provider *e =
			&APR_ARRAY_IDX(p->list, i, kg_conf_provider);
		if (e->file)
			continue;
		e->file = apr_pstrmemdup(pool, where, (size_t)(colon - where));
		e->line = (int)line;
	}
}

const kg_conf_provider *kg_conf_providers(const kg_conf *c, size_t *n)
{
	*n = (size_t)c->providers.list->nelts;
	return (const kg_conf_provider *)c->providers.list->elts;
}

const kg_conf_provider *kg_conf_provider_find(const kg_conf *c,
					      const char *alias)
{
	return find(&c->providers, alias);
}

/* The domain part of address: after its last '@', or all of it. */
static const char *domain_of(const char *address)
{
	const char *at = strrchr(address, '@');

	return at ? at + 1 : address;
}

const kg_conf_provider *
kg_conf_providers_by_email(const kg_conf_provider_list *p, const char *address)
{
	const char *domain = address ? domain_of(address) : "";

	for (int i = 0; *domain && i < p->list->nelts; i++) {
		const kg_conf_provider *e =
			&APR_ARRAY_IDX(p->list, i, kg_conf_provider);
		for (int j = 0; j < e->email_domains->nelts; j++) {
			if (strcasecmp(APR_ARRAY_IDX(e->email_domains, j,
						     const char *),
				       domain) == 0)
				return e;
		}
	}
	return NULL;
}

/* The provider argv[0] names, declared above; else NULL with the
 * message in *msg. */
static kg_conf_provider *named(kg_conf *conf, const char *alias,
			       const char **msg)
{
	kg_conf_provider *e = find(&conf->providers, alias);

	*msg = e ? NULL
		 : "names no KeygateSAMLProvider or KeygateOIDCProvider "
		   "defined before it";
	return e;
}

/* KeygateProviderDisplay ALIAS TEXT [ORDER] */
static const char *set_display(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	const char *msg;
	kg_conf_provider *e = named(conf, argv[0], &msg);
	long long order = KG_PROVIDER_ORDER_DEFAULT;

	*bad_arg = 0;
	if (e == NULL)
		return msg;
	*bad_arg = 1;
	if (strpbrk(argv[1], "\r\n"))
		return "must be one line";
	*bad_arg = 2;
	if (argc > 2 &&
	    (msg = kg_directive_number(pool, argv[2], 0,
				       KG_PROVIDER_ORDER_DEFAULT - 1,
				       &order)) != NULL)
		return msg;
	e->display_name = apr_pstrdup(pool, argv[1]);
	e->order = (int)order;
	sort(&conf->providers);
	return NULL;
}

/* A domain name in lower case, or NULL when text is not one (a leading
 * '@' is allowed: "@corp.example"). */
static const char *domain_word(apr_pool_t *pool, const char *text)
{
	if (text[0] == '@')
		text++;
	if (!*text || text[0] == '.' || text[0] == '-' ||
	    text[strlen(text) - 1] == '.' || strstr(text, "..") ||
	    strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-.") != strlen(text))
		return NULL;
	return kg_str_lower(pool, text);
}

/* KeygateProviderEmailDomains ALIAS DOMAIN... */
static const char *set_domains(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	const char *msg;
	kg_conf_provider *e = named(conf, argv[0], &msg);

	*bad_arg = 0;
	if (e == NULL)
		return msg;
	for (int i = 1; i < argc; i++) {
		const char *d = domain_word(pool, argv[i]);
		const kg_conf_provider *owner;
		*bad_arg = i;
		if (d == NULL)
			return "must be a domain name (such as corp.example)";
		owner = kg_conf_providers_by_email(&conf->providers, d);
		if (owner == e)
			continue;
		if (owner)
			return kg_psprintf(pool,
					   "is already a domain of provider "
					   "%s",
					   owner->alias);
		APR_ARRAY_PUSH(e->email_domains, const char *) = d;
	}
	return NULL;
}

/* KeygateProviderSessionLimit ALIAS user|realm N|On [BEHAVIOUR] [MESSAGE] */
static const char *set_limit(const kg_directive *self, apr_pool_t *pool,
			     kg_conf *conf, int argc, const char *const *argv,
			     int *bad_arg)
{
	const char *msg;
	kg_conf_provider *e = named(conf, argv[0], &msg);

	*bad_arg = 0;
	if (e == NULL)
		return msg;
	msg = kg_conf_limit_parse(pool, argc - 1, argv + 1, &e->limits,
				  bad_arg);
	*bad_arg += 1;
	if (msg == NULL)
		e->has_limits = true;
	return msg;
}

const kg_directive kg_conf_providers_directives[] = {
	{"KeygateProviderDisplay", 2, 3, set_display, "ALIAS TEXT [ORDER]",
	 "the sign-in button text of provider ALIAS (empty: \"Continue with "
	 "Single Sign On\") and its place among the buttons"},
	{"KeygateProviderEmailDomains", 2, -1, set_domains, "ALIAS DOMAIN...",
	 "users whose email address is in one of these domains sign in "
	 "with provider ALIAS (home-realm discovery)"},
	{"KeygateProviderSessionLimit", 3, 5, set_limit,
	 "ALIAS user|realm N|On [BEHAVIOUR] [MESSAGE]",
	 "a session-count limit of logins through provider ALIAS, in place "
	 "of the sso flow's"},
	{NULL, 0, 0, NULL, NULL, NULL, 0},
};
