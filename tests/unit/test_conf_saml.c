/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the SAML directives for Keycloak's broker paths and
 * the IdP metadata refresh (conf/saml.c).
 */
#include "tests/unit/fixture.h"

#include <string.h>

static void test_keycloak_paths_and_refresh_are_read(void **state)
{
	apr_pool_t *pool = *state;
	const kg_conf_saml_idp *idp;
	kg_conf *conf;
	kg_err err = {0};

	assert_int_equal(
		kgt_conf_load(pool,
			      "KeygateSAMLKeycloakPaths DominoRealm\n"
			      "KeygateSAMLProvider corp /etc/idp.xml\n"
			      "KeygateSAMLProvider other /etc/other.xml\n"
			      "KeygateSAMLMetadataRefresh corp "
			      "https://idp.example/md.xml /etc/pin.pem 600\n"
			      "KeygateSAMLMetadataRefresh other "
			      "http://idp.example/o.xml /etc/pin2.pem\n",
			      &conf, &err),
		KG_OK);
	assert_string_equal(conf->saml.keycloak_realm, "DominoRealm");
	idp = kg_conf_saml_find(&conf->saml, "corp");
	assert_string_equal(idp->metadata_url, "https://idp.example/md.xml");
	assert_string_equal(idp->metadata_cert, "/etc/pin.pem");
	assert_int_equal(idp->refresh_s, 600);
	idp = kg_conf_saml_find(&conf->saml, "other");
	assert_int_equal(idp->refresh_s, 3600);
	/* off by default */
	assert_int_equal(
		kgt_conf_load(pool, "KeygateSAMLProvider corp /etc/idp.xml\n",
			      &conf, &err),
		KG_OK);
	assert_null(conf->saml.keycloak_realm);
	assert_null(kg_conf_saml_find(&conf->saml, "corp")->metadata_url);
}

static void test_bad_saml_directives_say_why(void **state)
{
	apr_pool_t *pool = *state;
	static const kgt_bad_directive cases[] = {
		{"KeygateSAMLKeycloakPaths Domino/Realm",
		 "KeygateSAMLKeycloakPaths: \"Domino/Realm\" must be a realm "
		 "name"},
		{"KeygateSAMLKeycloakPaths a b", "takes at most 1"},
		{"KeygateSAMLMetadataRefresh corp https://x/md.xml /p.pem",
		 "\"corp\" names no KeygateSAMLProvider defined before it"},
		{"KeygateSAMLProvider corp /i.xml\n"
		 "KeygateSAMLMetadataRefresh corp ftp://x/md.xml /p.pem",
		 "\"ftp://x/md.xml\" must be an http:// or https:// URL"},
		{"KeygateSAMLProvider corp /i.xml\n"
		 "KeygateSAMLMetadataRefresh corp https://x/md.xml /p.pem 5",
		 "\"5\" must be a whole number from 10 to 604800"},
		{"KeygateSAMLProvider corp /i.xml\n"
		 "KeygateSAMLMetadataRefresh corp https://x/md.xml",
		 "KeygateSAMLMetadataRefresh"},
	};

	kgt_expect_directive_errors(pool, cases,
				    sizeof(cases) / sizeof(*cases));
}

/* KeygateLoginStateTimeout: how long the AuthnRequest's login state
 * lives (600 s by default, at least 30). */
static void test_login_state_timeout_is_read_with_a_floor(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err = {0};
	static const kgt_bad_directive cases[] = {
		{"KeygateLoginStateTimeout 29",
		 "1:26: KeygateLoginStateTimeout: \"29\" must be a whole "
		 "number "
		 "from 30 to 86400"},
		{"KeygateLoginStateTimeout 0", "from 30 to 86400"},
		{"KeygateLoginStateTimeout -5", "from 30 to 86400"},
		{"KeygateLoginStateTimeout 10m", "from 30 to 86400"},
		{"KeygateLoginStateTimeout 86401", "from 30 to 86400"},
		{"KeygateLoginStateTimeout", "KeygateLoginStateTimeout"},
	};

	assert_int_equal(kgt_conf_load(pool, "", &conf, &err), KG_OK);
	assert_int_equal(conf->gateway.login_state_timeout_s, 600);
	assert_int_equal(kgt_conf_load(pool, "KeygateLoginStateTimeout 30\n",
				       &conf, &err),
			 KG_OK);
	assert_int_equal(conf->gateway.login_state_timeout_s, 30);
	kgt_expect_directive_errors(pool, cases,
				    sizeof(cases) / sizeof(*cases));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_keycloak_paths_and_refresh_are_read),
		KGT(test_bad_saml_directives_say_why),
		KGT(test_login_state_timeout_is_read_with_a_floor),
	};
	return KGT_RUN(tests);
}
