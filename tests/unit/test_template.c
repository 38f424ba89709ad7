/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: username templates: compiling (conf/template.c) and
 * evaluating (mappers/template.c) every form, DESIGN.md Decisions 2-3.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include "conf/template.h"

#include <apr_strings.h>
#include <ctype.h>
#include <string.h>

#define A "corp-saml"

typedef struct {
	const char *source;
	bool saml;
	const char *shape; /* segments as KIND[:text][|t], joined by ' ' */
} compile_case;

static const char *shape_of(apr_pool_t *pool, const kg_template *t)
{
	static const char *const kinds[] = {"LIT",  "ALIAS", "NAMEID",
					    "UUID", "ATTR",  "CLAIM"};
	static const char *const tf[] = {"", "|lower", "|upper", "|local"};
	const char *out = "";

	for (size_t i = 0; i < t->nsegments; i++) {
		const kg_tpl_segment *s = &t->segments[i];
		out = kg_psprintf(pool, "%s%s%s%s%s%s", out, i ? " " : "",
				  kinds[s->kind], s->text ? ":" : "",
				  s->text ? s->text : "", tf[s->transform]);
	}
	return out;
}

static void test_every_template_form_compiles(void **state)
{
	apr_pool_t *pool = *state;
	static const compile_case cases[] = {
		/* Keycloak's SAML default */
		{"${ALIAS}.${NAMEID}", true, "ALIAS LIT:. NAMEID"},
		/* keywords in any case (Decision 2), the name kept as written
		 */
		{"${Attribute.customUserName}", true, "ATTR:customUserName"},
		{"${alias}-${nameid}-${uuid}", true,
		 "ALIAS LIT:- NAMEID LIT:- UUID"},
		/* a transformer binds to its own ${} */
		{"${ATTRIBUTE.uid | lowercase}.${ALIAS}", true,
		 "ATTR:uid|lower LIT:. ALIAS"},
		/* blanks around the bar and inside the braces */
		{"${ NAMEID|localpart }", true, "NAMEID|local"},
		{"${ALIAS | uppercase}", true, "ALIAS|upper"},
		/* OIDC claims, nested and with an escaped dot */
		{"${CLAIM.org.uid}@${claim.a\\.b}", false,
		 "CLAIM:org.uid LIT:@ CLAIM:a\\.b"},
		/* plain text, a lone '$' and '}' are literal */
		{"a$b}c", true, "LIT:a$b}c"},
		/* empty */
		{"", true, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char msg[160] = "";
		size_t off = 99;
		kg_template *t = kg_template_compile(pool, cases[i].source,
						     cases[i].saml, msg,
						     sizeof(msg), &off);
		if (t == NULL)
			fail_msg("case %zu: %s", i, msg);
		assert_string_equal(shape_of(pool, t), cases[i].shape);
		assert_string_equal(t->source, cases[i].source);
	}
}

typedef struct {
	const char *source;
	bool saml;
	size_t offset;	 /* character offset of the bad ${ */
	const char *msg; /* a substring of the reason */
} reject_case;

static void test_unknown_variables_and_transformers_are_rejected(void **state)
{
	apr_pool_t *pool = *state;
	static const reject_case cases[] = {
		/* an unknown variable is an error, not literal text */
		{"x${FOO}", true, 1, "unknown template variable \"FOO\""},
		/* an unknown transformer */
		{"${NAMEID | reverse}", true, 0,
		 "unknown transformer \"reverse\""},
		/* chained transformers are not supported */
		{"${NAMEID | localpart | lowercase}", true, 0,
		 "unknown transformer"},
		/* an empty transformer */
		{"${ALIAS |}", true, 0, "unknown transformer"},
		/* CLAIM is OIDC only */
		{"${CLAIM.sub}", true, 0, "unknown template variable"},
		/* NAMEID and ATTRIBUTE are SAML only */
		{"${ALIAS}${NAMEID}", false, 8, "unknown template variable"},
		{"${ATTRIBUTE.uid}", false, 0, "unknown template variable"},
		/* a keyword without a name */
		{"${ATTRIBUTE.}", true, 0, "unknown template variable"},
		{"${}", true, 0, "unknown template variable"},
		/* an unterminated ${ */
		{"ab${ALIAS", true, 2, "unterminated"},
		/* offsets count characters, not bytes */
		{"\xc3\xa9\xc3\xa9${X}", true, 2, "unknown"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char msg[160] = "";
		size_t off = 99;
		kg_template *t = kg_template_compile(pool, cases[i].source,
						     cases[i].saml, msg,
						     sizeof(msg), &off);
		if (t != NULL)
			fail_msg("case %zu compiled", i);
		if (off != cases[i].offset || !strstr(msg, cases[i].msg))
			fail_msg("case %zu: offset %zu \"%s\"", i, off, msg);
	}
}

typedef struct {
	const char *source;
	const char *name_id;
	const char *uid;    /* Attribute Name "uid", or NULL */
	const char *mail;   /* Attribute FriendlyName "mail", or NULL */
	const char *result; /* BROKER_ID (not lower-cased), or NULL: fails */
	const char *reason; /* a substring of the failure */
} eval_case;

static void test_templates_evaluate_each_form(void **state)
{
	apr_pool_t *pool = *state;
	static const eval_case cases[] = {
		/* the issue's example */
		{"${ATTRIBUTE.uid | lowercase}.${ALIAS}", "n", "JDoe", NULL,
		 "jdoe.corp-saml", NULL},
		/* the transformer does not reach the next variable */
		{"${ALIAS | uppercase}.${ATTRIBUTE.uid}", "n", "JDoe", NULL,
		 "CORP-SAML.JDoe", NULL},
		/* the documented mixed-case keyword */
		{"${Attribute.customUserName}", "n", NULL, NULL, NULL,
		 "ATTRIBUTE.customUserName"},
		/* ATTRIBUTE by FriendlyName */
		{"${ATTRIBUTE.mail | localpart}", "n", NULL, "j.doe@corp.com",
		 "j.doe", NULL},
		/* localpart cuts at the last '@' */
		{"${NAMEID | localpart}", "a@b@corp.com", NULL, NULL, "a@b",
		 NULL},
		/* localpart without '@' leaves the value */
		{"${NAMEID | localpart}", "JDoe", NULL, NULL, "JDoe", NULL},
		/* uppercase */
		{"${NAMEID | uppercase}", "j\xc3\xb6rg", NULL, NULL,
		 "J\xc3\x96RG", NULL},
		/* '$' and '\' in values are literal, never re-expanded */
		{"${ATTRIBUTE.uid}", "n", "$1\\0${ALIAS}\\", NULL,
		 "$1\\0${ALIAS}\\", NULL},
		{"${NAMEID}!", "a$b\\c", NULL, NULL, "a$b\\c!", NULL},
		/* a missing attribute fails the login (Decision 3) */
		{"${ALIAS}.${ATTRIBUTE.uid}", "n", NULL, NULL, NULL,
		 "ATTRIBUTE.uid"},
		/* an empty value fails too: never a partial username */
		{"${ALIAS}.${ATTRIBUTE.uid}", "n", "", NULL, NULL,
		 "ATTRIBUTE.uid"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const eval_case *c = &cases[i];
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool, NULL,
				 kgt_m(pool, A, "t", "saml-username-idp-mapper",
				       kg_psprintf(pool,
						   "'template':'%s','target':"
						   "'BROKER_ID'",
						   c->source)),
				 NULL));
		kg_assertion *a = kgt_saml(pool, c->name_id, NULL);
		kg_map_result r;

		if (c->uid)
			kgt_attr(a, pool, "uid", NULL, c->uid, NULL);
		if (c->mail)
			kgt_attr(a, pool, "urn:oid:0.9", "mail", c->mail, NULL);
		r = kgt_map_saml(pool, set, A, a, NULL);
		if (c->result) {
			if (r.failure)
				fail_msg("case %zu failed: %s", i, r.failure);
			assert_string_equal(r.broker_id, c->result);
		} else {
			if (r.failure == NULL || !strstr(r.failure, c->reason))
				fail_msg("case %zu: failure %s", i,
					 r.failure ? r.failure : "(none)");
			/* the mapper is named in the reason */
			assert_non_null(strstr(r.failure, "\"t\""));
		}
	}
}

static void test_mixed_case_keyword_reads_the_attribute(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, A, "t", "saml-username-idp-mapper",
			       "'template':'${Attribute.customUserName}'"),
			 NULL));
	kg_assertion *a = kgt_saml(pool, "n", NULL);
	kg_map_result r;

	kgt_attr(a, pool, "customUserName", NULL, "JDoe", NULL);
	r = kgt_map_saml(pool, set, A, a, NULL);
	assert_null(r.failure);
	assert_string_equal(r.user->username, "jdoe");
}

static bool is_uuid4(const char *s)
{
	if (strlen(s) != 36 || s[14] != '4' || !strchr("89ab", s[19]))
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static void test_uuid_is_a_fresh_version_4_uuid(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
			       kgt_m(pool, A, "t", "saml-username-idp-mapper",
				     "'template':'${UUID}'"),
			       NULL));
	kg_map_result r1 =
		kgt_map_saml(pool, set, A, kgt_saml(pool, "n", NULL), NULL);
	kg_map_result r2 =
		kgt_map_saml(pool, set, A, kgt_saml(pool, "n", NULL), NULL);

	assert_true(is_uuid4(r1.user->username));
	assert_true(is_uuid4(r2.user->username));
	assert_string_not_equal(r1.user->username, r2.user->username);
}

static void test_bad_template_in_a_mapper_file_names_its_position(void **state)
{
	apr_pool_t *pool = *state;
	/* the template string opens at column 62; its ${ is at column 65 */
	const char *text =
		"{'identityProviderMappers':[{'name':'t',"
		"'config':{'template':'ab${NOPE}'},"
		"'identityProviderAlias':'a',"
		"'identityProviderMapper':'saml-username-idp-mapper'}]}";
	apr_array_header_t *p = kgt_set_problems(pool, text);
	const char *msg = APR_ARRAY_IDX(p, 0, const char *);

	assert_non_null(strstr(msg, "m.json:1:65: mapper \"t\": config "
				    "\"template\": unknown template variable"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_every_template_form_compiles),
		KGT(test_unknown_variables_and_transformers_are_rejected),
		KGT(test_templates_evaluate_each_form),
		KGT(test_mixed_case_keyword_reads_the_attribute),
		KGT(test_uuid_is_a_fresh_version_4_uuid),
		KGT(test_bad_template_in_a_mapper_file_names_its_position),
	};
	return KGT_RUN(tests);
}
