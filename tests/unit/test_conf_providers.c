/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the login providers (conf/providers.h): one alias
 * space for SAML and OIDC, button order, display names, email domains,
 * per-provider session limits, and the FILE:LINE of config errors.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include "conf/conf.h"

#include <apr_strings.h>
#include <string.h>

/* The aliases of conf's providers in button order, joined by ','. */
static const char *order_of(apr_pool_t *pool, const kg_conf *conf)
{
	size_t n;
	const kg_conf_provider *p = kg_conf_providers(conf, &n);
	const char *s = "";

	for (size_t i = 0; i < n; i++)
		s = apr_pstrcat(pool, s, i ? "," : "", p[i].alias, NULL);
	return s;
}

static const char *const three =
	"KeygateSAMLProvider corp-saml /etc/idp.xml\n"
	"KeygateOIDCProvider contractors https://op1.example\n"
	"KeygateOIDCProvider partners https://op2.example\n";

/* The three providers and more, loaded; fails the test when they do not
 * load. */
static kg_conf *load(apr_pool_t *pool, const char *more)
{
	kg_conf *conf;
	kg_err err;

	if (kgt_conf_load(pool, apr_pstrcat(pool, three, more, NULL), &conf,
			  &err) != KG_OK)
		fail_msg("%s", err.msg);
	return conf;
}

static void test_providers_in_config_order(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err;
	const kg_conf_provider *p;

	assert_int_equal(kgt_conf_load(pool, three, &conf, &err), KG_OK);
	assert_string_equal(order_of(pool, conf),
			    "corp-saml,contractors,partners");
	p = kg_conf_provider_find(conf, "contractors");
	assert_non_null(p);
	assert_int_equal(p->protocol, KG_PROVIDER_OIDC);
	assert_null(p->display_name);
	assert_int_equal(p->email_domains->nelts, 0);
	assert_non_null(p->file);
	assert_int_equal(p->line, 2);
	assert_int_equal(kg_conf_provider_find(conf, "corp-saml")->protocol,
			 KG_PROVIDER_SAML);
	assert_null(kg_conf_provider_find(conf, "Corp-saml"));
	assert_null(kg_conf_provider_find(conf, NULL));
}

static void test_display_and_order(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;

	conf = load(pool, "KeygateProviderDisplay partners "
			  "\"Partner login\" 1\n"
			  "KeygateProviderDisplay contractors "
			  "\"\" 1\n"
			  "KeygateProviderDisplay corp-saml "
			  "\"Staff\"\n");
	/* ORDER 1 ties keep config order; no ORDER comes last */
	assert_string_equal(order_of(pool, conf),
			    "contractors,partners,corp-saml");
	assert_string_equal(
		kg_conf_provider_find(conf, "partners")->display_name,
		"Partner login");
	assert_string_equal(
		kg_conf_provider_find(conf, "contractors")->display_name, "");
	assert_string_equal(
		kg_conf_provider_find(conf, "corp-saml")->display_name,
		"Staff");
}

static void test_email_domains(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	const kg_conf_provider *p;

	conf = load(pool, "KeygateProviderEmailDomains "
			  "corp-saml Corp.Example "
			  "@eu.corp.example\n"
			  "KeygateProviderEmailDomains "
			  "partners partner.example\n");
	p = kg_conf_provider_find(conf, "corp-saml");
	assert_string_equal(kgt_join(pool, p->email_domains),
			    "corp.example,eu.corp.example");
	assert_ptr_equal(
		kg_conf_providers_by_email(&conf->providers, "JD@CORP.example"),
		p);
	assert_ptr_equal(
		kg_conf_providers_by_email(&conf->providers, "eu.corp.example"),
		p);
	assert_string_equal(kg_conf_providers_by_email(&conf->providers,
						       "a@partner.example")
				    ->alias,
			    "partners");
	assert_null(kg_conf_providers_by_email(&conf->providers,
					       "a@x.corp.example"));
	assert_null(kg_conf_providers_by_email(&conf->providers, "a@"));
	assert_null(kg_conf_providers_by_email(&conf->providers, NULL));
}

static void test_provider_limits(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	const kg_conf_provider *p;

	conf = load(pool, "KeygateProviderSessionLimit "
			  "partners user 1 deny-new "
			  "\"Partners: one session\"\n"
			  "KeygateProviderSessionLimit "
			  "partners realm 50 log-only\n");
	p = kg_conf_provider_find(conf, "partners");
	assert_true(p->has_limits);
	assert_true(p->limits.user.max == 1);
	assert_int_equal(p->limits.user.behaviour, KG_LIMIT_DENY_NEW);
	assert_string_equal(p->limits.user.message, "Partners: one session");
	assert_true(p->limits.realm.max == 50);
	assert_int_equal(p->limits.realm.behaviour, KG_LIMIT_LOG_ONLY);
	assert_false(kg_conf_provider_find(conf, "contractors")->has_limits);
}

/* The same alias twice, whatever the protocols, names both lines. */
static void test_duplicate_alias(void **state)
{
	apr_pool_t *pool = *state;
	static const char *const texts[] = {
		"KeygateSAMLProvider corp /a.xml\n"
		"KeygateSAMLProvider corp /b.xml\n",
		"KeygateSAMLProvider corp /a.xml\n"
		"KeygateOIDCProvider corp https://op.example\n",
		"KeygateOIDCProvider corp https://op.example\n"
		"KeygateSAMLProvider corp /a.xml\n",
		"KeygateOIDCProvider corp https://op.example\n"
		"KeygateOIDCProvider corp https://op2.example\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		kg_conf *conf;
		kg_err err;
		assert_int_equal(kgt_conf_load(pool, texts[i], &conf, &err),
				 KG_ECONFIG);
		assert_non_null(strstr(err.msg, ":2:"));
		assert_non_null(strstr(err.msg, "already defined at "));
		assert_non_null(strstr(err.msg, ":1"));
	}
}

static void test_login_provider_names_none(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err;

	assert_int_equal(
		kgt_conf_load(pool,
			      apr_pstrcat(pool, "KeygateLoginProvider nobody\n",
					  three, NULL),
			      &conf, &err),
		KG_ECONFIG);
	assert_non_null(strstr(err.msg, ":1: KeygateLoginProvider \"nobody\" "
					"names no"));
	assert_null(strstr(err.msg, ":4:"));
	assert_int_equal(
		kgt_conf_load(pool,
			      apr_pstrcat(pool,
					  "KeygateLoginProvider partners\n",
					  three, NULL),
			      &conf, &err),
		KG_OK);
}

static void test_provider_directive_errors(void **state)
{
	static const kgt_bad_directive rows[] = {
		{"KeygateProviderDisplay nobody \"X\"", "names no"},
		{"KeygateSAMLProvider a /a.xml\n"
		 "KeygateProviderDisplay a \"X\" -1",
		 "whole number"},
		{"KeygateSAMLProvider a /a.xml\n"
		 "KeygateProviderDisplay a \"X\" 1000000",
		 "whole number"},
		{"KeygateProviderEmailDomains nobody corp.example", "names no"},
		{"KeygateSAMLProvider a /a.xml\n"
		 "KeygateProviderEmailDomains a corp..example",
		 "domain name"},
		{"KeygateSAMLProvider a /a.xml\n"
		 "KeygateProviderEmailDomains a x/y",
		 "domain name"},
		{"KeygateSAMLProvider a /a.xml\n"
		 "KeygateSAMLProvider b /b.xml\n"
		 "KeygateProviderEmailDomains a corp.example\n"
		 "KeygateProviderEmailDomains b CORP.example",
		 "already a domain of provider a"},
		{"KeygateProviderSessionLimit nobody user 1", "names no"},
		{"KeygateSAMLProvider a /a.xml\n"
		 "KeygateProviderSessionLimit a user 1 log-only",
		 "deny-new or terminate-oldest"},
		{"KeygateSAMLProvider a /a.xml\n"
		 "KeygateProviderSessionLimit a group 1",
		 "user or realm"},
		{"KeygateOIDCProvider a/b https://op.example", "letters"},
		{"KeygateSAMLProvider ../x /a.xml", "letters"},
	};
	kgt_expect_directive_errors(*state, rows,
				    sizeof(rows) / sizeof(rows[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_providers_in_config_order),
		KGT(test_display_and_order),
		KGT(test_email_domains),
		KGT(test_provider_limits),
		KGT(test_duplicate_alias),
		KGT(test_login_provider_names_none),
		KGT(test_provider_directive_errors),
	};
	return KGT_RUN(tests);
}
