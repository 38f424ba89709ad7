/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the checks on SAML single logout messages
 * (gateway/proto/saml/slo_check.c) and the SAML endpoint URLs and routes,
 * Keycloak's broker paths included (conf/saml_urls.c).
 */
#include "tests/unit/fixture.h"

#include "conf/saml_urls.h"
#include "gateway/proto/saml/slo_check.h"

#include <apr_strings.h>
#include <string.h>

#define IDP "https://idp.example/metadata"
#define SLO "https://gw.example/keygate/saml/corp/slo"
/* 2026-01-01T00:00:00Z */
#define NOW 1767225600000LL
#define SKEW 60000LL

/* A valid LogoutRequest at NOW. */
static kg_saml_logout_msg request(void)
{
	kg_saml_logout_msg m = {0};

	m.is_request = true;
	m.id = "_r1";
	m.issuer = IDP;
	m.destination = SLO;
	m.issue_instant = "2026-01-01T00:00:00Z";
	m.not_on_or_after = "2026-01-01T00:05:00Z";
	m.name_id = "jdoe";
	m.session_index = "_s1";
	m.session_indexes = 1;
	return m;
}

/* The check's verdict on m: NULL when accepted, else the reason. */
static const char *verdict(const kg_saml_logout_msg *m)
{
	const char *reason = NULL;
	kg_err err = {0};
	kg_rc rc = kg_saml_logout_check(m, IDP, SLO, NOW, SKEW, &reason, &err);

	if (rc == KG_OK)
		return NULL;
	assert_int_equal(rc, KG_EINVAL);
	assert_non_null(reason);
	/* no identifier is quoted */
	assert_null(strstr(err.msg, "jdoe"));
	return reason;
}

static void test_a_valid_logout_request_passes(void **state)
{
	kg_saml_logout_msg m = request();

	assert_null(verdict(&m));
	m.not_on_or_after = NULL; /* optional */
	assert_null(verdict(&m));
	m.issue_instant = "2026-01-01T00:00:59Z"; /* within the skew */
	assert_null(verdict(&m));
}

static void test_each_field_of_a_request_is_checked(void **state)
{
	static const struct {
		const char *field, *value, *reason;
	} cases[] = {
		{"id", NULL, "saml_parse"},
		{"id", "", "saml_parse"},
		{"issuer", NULL, "saml_issuer"},
		{"issuer", "https://evil.example/idp", "saml_issuer"},
		{"destination", NULL, "saml_destination"},
		{"destination", SLO "?x=1", "saml_destination"},
		{"destination", "https://gw.example/keygate/saml/other/slo",
		 "saml_destination"},
		{"issue_instant", NULL, "saml_time"},
		{"issue_instant", "2026-01-01T00:01:01Z", "saml_time"},
		{"issue_instant", "2025-12-31T23:48:59Z", "saml_time"},
		{"issue_instant", "2026-0101T00:00:00Z", "saml_time"},
		{"not_on_or_after", "2025-12-31T23:59:00Z", "saml_time"},
		{"not_on_or_after", "soon", "saml_time"},
		{"name_id", NULL, "slo_nameid"},
		{"name_id", "", "slo_nameid"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_saml_logout_msg m = request();
		const char **f =
			strcmp(cases[i].field, "id") == 0	? &m.id
			: strcmp(cases[i].field, "issuer") == 0 ? &m.issuer
			: strcmp(cases[i].field, "destination") == 0
				? &m.destination
			: strcmp(cases[i].field, "issue_instant") == 0
				? &m.issue_instant
			: strcmp(cases[i].field, "not_on_or_after") == 0
				? &m.not_on_or_after
				: &m.name_id;
		const char *got;

		*f = cases[i].value;
		got = verdict(&m);
		if (got == NULL || strcmp(got, cases[i].reason) != 0)
			fail_msg("case %zu (%s): got %s, want %s", i,
				 cases[i].field, got ? got : "accepted",
				 cases[i].reason);
	}
}

static void test_a_logout_response_must_answer_and_say_how(void **state)
{
	kg_saml_logout_msg m = request();

	m.is_request = false;
	m.name_id = NULL; /* responses carry none */
	m.in_response_to = "_mine";
	m.status = "urn:oasis:names:tc:SAML:2.0:status:Success";
	assert_null(verdict(&m));
	assert_true(kg_saml_logout_success(&m));
	m.status = "urn:oasis:names:tc:SAML:2.0:status:Responder";
	assert_null(verdict(&m));
	assert_false(kg_saml_logout_success(&m));
	m.status = NULL;
	assert_string_equal(verdict(&m), "saml_parse");
	assert_false(kg_saml_logout_success(&m));
	m.status = "urn:oasis:names:tc:SAML:2.0:status:Success";
	m.in_response_to = NULL;
	assert_string_equal(verdict(&m), "saml_inresponseto");
}

static void test_logout_responses_are_told_from_logins(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *b64;
		bool logout;
	} cases[] = {
		/* <?xml?><!-- x --><samlp:LogoutResponse .../> */
		{"PD94bWwgdmVyc2lvbj0iMS4wIj8+"
		 "CjwhLS0geCAtLT48c2FtbHA6TG9nb3V0UmVzcG9uc2UgeG1sbnM6c2FtbHA9I"
		 "nVybjpvYXNpczpuYW1lczp0YzpTQU1MOjIuMDpwcm90b2NvbCIgSUQ9Il8xIi"
		 "8+",
		 true},
		{"PExvZ291dFJlc3BvbnNlLz4=", true},
		{"PHNhbWxwOlJlc3BvbnNlIElEPSJfMSI+"
		 "PExvZ291dFJlc3BvbnNlLz48L3NhbWxwOlJlc3BvbnNlPg==",
		 false},
		{"PG5zMDpMb2dvdXRSZXNwb25zZVgvPg==", false},
		{"bm8geG1s", false},
		/* XML, not base64 */
		{"<samlp:LogoutResponse/>", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (kg_saml_is_logout_response(pool, cases[i].b64) !=
		    cases[i].logout)
			fail_msg("case %zu", i);
	}
	assert_false(kg_saml_is_logout_response(pool, NULL));
}

/* Settings with a base URL, the default prefix and maybe a realm. */
static kg_conf *conf_with(apr_pool_t *pool, const char *realm)
{
	kg_conf *c = kg_conf_make(pool);

	c->gateway.base_url = "https://gw.example";
	c->saml.keycloak_realm = realm;
	return c;
}

static void test_urls_under_the_prefix_by_default(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *c = conf_with(pool, NULL);
	kg_conf_saml_urls u;

	kg_conf_saml_urls_for(pool, c, "corp", &u);
	assert_string_equal(u.acs, "https://gw.example/keygate/saml/corp/acs");
	assert_string_equal(u.slo, SLO);
	assert_string_equal(u.metadata,
			    "https://gw.example/keygate/saml/corp/metadata");
	assert_string_equal(u.entity_id, u.metadata);
	c->saml.entity_id = "urn:domino:sp";
	kg_conf_saml_urls_for(pool, c, "corp", &u);
	assert_string_equal(u.entity_id, "urn:domino:sp");
}

static void test_urls_at_keycloaks_broker_paths(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *c = conf_with(pool, "DominoRealm");
	kg_conf_saml_urls u;
	const char *ep = "https://gw.example/auth/realms/DominoRealm/broker/"
			 "corp/endpoint";

	kg_conf_saml_urls_for(pool, c, "corp", &u);
	assert_string_equal(u.acs, ep);
	assert_string_equal(u.slo, ep);
	assert_string_equal(u.metadata,
			    apr_pstrcat(pool, ep, "/descriptor", NULL));
	assert_string_equal(u.entity_id,
			    "https://gw.example/auth/realms/DominoRealm");
}

static void test_paths_route_to_their_endpoint(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *off = conf_with(pool, NULL);
	kg_conf *kc = conf_with(pool, "DominoRealm");
	static const struct {
		bool keycloak;
		const char *path;
		kg_saml_endpoint ep;
		const char *alias;
	} cases[] = {
		{false, "/keygate/saml/corp/metadata", KG_SAML_EP_METADATA,
		 "corp"},
		{false, "/keygate/saml/corp/login", KG_SAML_EP_LOGIN, "corp"},
		{false, "/keygate/saml/corp/acs", KG_SAML_EP_ACS, "corp"},
		{false, "/keygate/saml/c.o-r_p/slo", KG_SAML_EP_SLO, "c.o-r_p"},
		{false, "/keygate/saml/corp/slo/x", KG_SAML_EP_NONE, NULL},
		{false, "/keygate/saml//slo", KG_SAML_EP_NONE, NULL},
		{false, "/keygate/login", KG_SAML_EP_NONE, NULL},
		/* broker paths only when the realm is configured */
		{false, "/auth/realms/DominoRealm/broker/corp/endpoint",
		 KG_SAML_EP_NONE, NULL},
		{true, "/auth/realms/DominoRealm/broker/corp/endpoint",
		 KG_SAML_EP_BROKER, "corp"},
		{true,
		 "/auth/realms/DominoRealm/broker/corp/endpoint/descriptor",
		 KG_SAML_EP_METADATA, "corp"},
		{true, "/auth/realms/DominoRealm/broker/corp/endpoint/x",
		 KG_SAML_EP_NONE, NULL},
		{true, "/auth/realms/DominoRealm/broker/corp", KG_SAML_EP_NONE,
		 NULL},
		{true, "/auth/realms/Other/broker/corp/endpoint",
		 KG_SAML_EP_NONE, NULL},
		{true, "/auth/realms/DominoRealmX/broker/corp/endpoint",
		 KG_SAML_EP_NONE, NULL},
		{true, "/keygate/saml/corp/acs", KG_SAML_EP_ACS, "corp"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *alias = "unset";
		kg_saml_endpoint ep =
			kg_conf_saml_route(pool, cases[i].keycloak ? kc : off,
					   cases[i].path, &alias);
		if (ep != cases[i].ep)
			fail_msg("%s: endpoint %d, want %d", cases[i].path, ep,
				 cases[i].ep);
		if (cases[i].alias)
			assert_string_equal(alias, cases[i].alias);
		else
			assert_null(alias);
	}
	assert_true(kg_conf_saml_is_broker_path(
		kc, "/auth/realms/DominoRealm/broker/x"));
	assert_false(kg_conf_saml_is_broker_path(
		off, "/auth/realms/DominoRealm/broker/x"));
	assert_false(kg_conf_saml_is_broker_path(kc, "/auth/realms/Domino"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_a_valid_logout_request_passes),
		KGT(test_each_field_of_a_request_is_checked),
		KGT(test_a_logout_response_must_answer_and_say_how),
		KGT(test_logout_responses_are_told_from_logins),
		KGT(test_urls_under_the_prefix_by_default),
		KGT(test_urls_at_keycloaks_broker_paths),
		KGT(test_paths_route_to_their_endpoint),
	};
	return KGT_RUN(tests);
}
