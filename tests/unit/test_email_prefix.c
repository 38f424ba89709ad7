/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the Email Prefix as Username Importer
 * (mappers/email_prefix.c, username.c), DESIGN.md Decision 5.
 */
#include "tests/unit/fixture.h"

#include <string.h>

#define FMT_EMAIL_ADDRESS                                                      \
	"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
#define FMT_UNSPEC "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"

static void test_email_prefix_rule(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* the two examples of shared/spec */
		{"$j\xc3\xb6hn.sm\xc3\xaeth#home$", "john_smith_home"},
		{"$j\xc3\xb6hn.sm\xc3\xaeth#home$@somehost.com",
		 "john_smith_home"},
		/* ß -> ss */
		{"Stra\xc3\x9f"
		 "e@x.de",
		 "strasse"},
		/* æ -> ae, Æ -> ae */
		{"\xc3\x86sir.h\xc3\xa6r", "aesir_haer"},
		/* ø -> o */
		{"\xc3\x98yvind", "oyvind"},
		/* ł -> l, Ł -> l */
		{"\xc5\x81ukasz.wa\xc5\x82\xc4\x99sa", "lukasz_walesa"},
		/* đ -> d */
		{"\xc4\x90or\xc4\x91"
		 "e",
		 "dorde"},
		/* þ -> th, Þ -> th */
		{"\xc3\x9e\xc3\xb3r.\xc3\xbe", "thor_th"},
		/* a combining accent is dropped */
		{"Jose\xcc\x81", "jose"},
		/* a run of anything else becomes one '_' */
		{"a..--  b", "a_b"},
		/* underscores count as word characters but runs still collapse
		 */
		{"a__b", "a_b"},
		/* the part before the LAST '@' */
		{"a@b@corp.com", "a_b"},
		/* digits stay, case folds */
		{"J.Doe99@CORP.COM", "j_doe99"},
		/* leading and trailing '_' are trimmed */
		{"__x__", "x"},
		/* letters without an ASCII base become '_' */
		{"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd.x", "x"},
		/* nothing left */
		{"$$$@x.com", ""},
		{"@x.com", ""},
		{"", ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *got = kg_map_email_prefix(pool, cases[i].in);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\" gave \"%s\", want \"%s\"", i,
				 cases[i].in, got, cases[i].out);
	}
}

static kg_mapper_set *prefix_set(apr_pool_t *pool, const char *alias,
				 const char *also)
{
	return kgt_set(pool,
		       kgt_file(pool, NULL,
				kgt_m(pool, alias, "prefix",
				      "email-prefix-username-idp-mapper", ""),
				also, NULL));
}

typedef struct {
	const char *name_id, *format;
	const char *mail;     /* mapped email, or NULL */
	const char *username; /* or NULL: the login fails */
} source_case;

static void test_source_is_email_nameid_else_mapped_email(void **state)
{
	apr_pool_t *pool = *state;
	static const source_case cases[] = {
		/* NameID with the email format */
		{"j.doe", FMT_EMAIL_ADDRESS, "other@x.com", "j_doe"},
		/* NameID that contains '@', any format */
		{"j.doe@corp.com", FMT_UNSPEC, "other@x.com", "j_doe"},
		/* NameID that is not an email: the mapped email */
		{"u-123", FMT_UNSPEC, "m.smith@x.com", "m_smith"},
		/* the NameID makes an empty prefix: the login fails */
		{"$$@x.com", FMT_EMAIL_ADDRESS, NULL, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const source_case *c = &cases[i];
		kg_mapper_set *set =
			prefix_set(pool, "corp-saml",
				   kgt_m(pool, "corp-saml", "mail",
					 "saml-user-attribute-idp-mapper",
					 "'attribute.name':'mail','user."
					 "attribute':'email'"));
		kg_assertion *a = kgt_saml(pool, c->name_id, c->format);
		kg_map_result r;

		if (c->mail)
			kgt_attr(a, pool, "mail", NULL, c->mail, NULL);
		r = kgt_map_saml(pool, set, "corp-saml", a, NULL);
		if (c->username) {
			assert_null(r.failure);
			assert_string_equal(r.user->username, c->username);
		} else {
			assert_non_null(r.failure);
			assert_non_null(strstr(r.failure, "empty username"));
		}
	}
}

static void test_oidc_takes_the_email_claim(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = prefix_set(pool, "corp-oidc", NULL);
	kg_map_result r =
		kgt_map_oidc(pool, set, "corp-oidc",
			     "{'sub':'1','preferred_username':'ignored',"
			     "'email':'J\xc3\xb6rg.M@corp.com'}",
			     NULL);

	assert_null(r.failure);
	assert_string_equal(r.user->username, "jorg_m");
	/* no email to take it from: the login fails */
	r = kgt_map_oidc(pool, set, "corp-oidc", "{'sub':'1'}", NULL);
	assert_non_null(r.failure);
	assert_non_null(strstr(r.failure, "\"prefix\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_email_prefix_rule),
		KGT(test_source_is_email_nameid_else_mapped_email),
		KGT(test_oidc_takes_the_email_claim),
	};
	return KGT_RUN(tests);
}
