/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: SAML Response decoding and attribute extraction
 * (gateway/proto/saml/assertion.c): structure, trimming, xsi:nil, and
 * the refusals (DTD, entities, malformed, zero or two assertions,
 * encryption, size).
 */
#include "tests/unit/fixture.h"

#include "gateway/proto/saml/assertion.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <string.h>

#define NS_P "urn:oasis:names:tc:SAML:2.0:protocol"
#define NS_A "urn:oasis:names:tc:SAML:2.0:assertion"
#define HEAD                                                                   \
	"<samlp:Response xmlns:samlp=\"" NS_P "\" xmlns:saml=\"" NS_A "\" "    \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
#define ASSERTION_OPEN                                                         \
	"<saml:Assertion><saml:Issuer> https://idp </saml:Issuer>"
#define SUBJECT                                                                \
	"<saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:"     \
	"nameid-format:emailAddress\">\n  JDoe@corp.com\n</saml:NameID>"       \
	"</saml:Subject>"

static kg_rc parse(apr_pool_t *pool, const char *xml, kg_assertion **a,
		   kg_err *err)
{
	return kg_saml_assertion_parse(pool, xml, strlen(xml), a, err);
}

static const char *sample(void)
{
	return HEAD ASSERTION_OPEN SUBJECT
		"<saml:AuthnStatement SessionIndex=\"s-1\"/>"
		"<saml:AttributeStatement>"
		"<saml:Attribute Name=\"urn:oid:0.9\" FriendlyName=\"mail\" "
		"NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:"
		"uri\">"
		"<saml:AttributeValue>  a@corp.com\n</saml:AttributeValue>"
		"<saml:AttributeValue xsi:nil=\"true\"/>"
		"<saml:AttributeValue "
		"xsi:nil=\"1\">dropped</saml:AttributeValue>"
		"<saml:AttributeValue "
		"xsi:nil=\"false\">kept</saml:AttributeValue>"
		"<saml:AttributeValue></saml:AttributeValue>"
		"</saml:Attribute>"
		"</saml:AttributeStatement>"
		"<saml:AttributeStatement>"
		"<saml:Attribute Name=\"groups\">"
		"<saml:AttributeValue>x<!-- c -->y</saml:AttributeValue>"
		"<saml:AttributeValue><![CDATA[ <b>&amp; "
		"]]></saml:AttributeValue>"
		"<other:AttributeValue "
		"xmlns:other=\"urn:x\">no</other:AttributeValue>"
		"</saml:Attribute>"
		"</saml:AttributeStatement>"
		"</saml:Assertion></samlp:Response>";
}

static void test_assertion_fields_are_extracted_and_trimmed(void **state)
{
	apr_pool_t *pool = *state;
	kg_assertion *a = NULL;
	kg_err err = {0};
	const kg_saml_attr *mail, *groups;

	assert_int_equal(parse(pool, sample(), &a, &err), KG_OK);
	assert_string_equal(a->issuer, "https://idp");
	assert_string_equal(a->name_id, "JDoe@corp.com");
	assert_string_equal(a->name_id_format,
			    "urn:oasis:names:tc:SAML:1.1:nameid-format:"
			    "emailAddress");
	assert_string_equal(a->session_index, "s-1");
	assert_int_equal(a->nattrs, 2);
	mail = &a->attrs[0];
	assert_string_equal(mail->name, "urn:oid:0.9");
	assert_string_equal(mail->friendly_name, "mail");
	assert_non_null(strstr(mail->name_format, "attrname-format:uri"));
	assert_int_equal(mail->statement, 0);
	/* trimmed; xsi:nil true/1 dropped; xsi:nil false and empty kept */
	assert_int_equal(mail->nvalues, 3);
	assert_string_equal(mail->values[0], "a@corp.com");
	assert_string_equal(mail->values[1], "kept");
	assert_string_equal(mail->values[2], "");
	/* the second AttributeStatement; text content; other namespaces
	 * ignored */
	groups = &a->attrs[1];
	assert_int_equal(groups->statement, 1);
	assert_null(groups->friendly_name);
	assert_int_equal(groups->nvalues, 2);
	assert_string_equal(groups->values[0], "xy");
	assert_string_equal(groups->values[1], "<b>&amp;");
}

static void test_bare_assertion_is_accepted(void **state)
{
	apr_pool_t *pool = *state;
	kg_assertion *a = NULL;
	kg_err err = {0};

	assert_int_equal(parse(pool,
			       "<saml:Assertion xmlns:saml=\"" NS_A "\">"
			       "<saml:Subject><saml:NameID>n</saml:NameID>"
			       "</saml:Subject></saml:Assertion>",
			       &a, &err),
			 KG_OK);
	assert_string_equal(a->name_id, "n");
	assert_null(a->name_id_format);
	assert_int_equal(a->nattrs, 0);
}

typedef struct {
	const char *xml;
	const char *reason;
} refused_case;

static void test_bad_responses_are_refused(void **state)
{
	apr_pool_t *pool = *state;
	static const refused_case cases[] = {
		/* an entity bomb */
		{"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaa\">"
		 "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
		 "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
		 "<r>&c;&c;&c;&c;</r>",
		 "DTD"},
		/* an external entity */
		{"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		 "<r>&x;</r>",
		 "DTD"},
		/* any DOCTYPE at all */
		{"<!DOCTYPE r SYSTEM \"http://example.com/r.dtd\"><r/>", "DTD"},
		/* malformed */
		{HEAD ASSERTION_OPEN "</samlp:Response>", "not well-formed"},
		{"<a><b></a>", "not well-formed"},
		/* an undeclared entity */
		{"<r>&nope;</r>", "not well-formed"},
		/* no assertion */
		{HEAD "</samlp:Response>", "found 0"},
		/* two assertions */
		{HEAD ASSERTION_OPEN "</saml:Assertion>" ASSERTION_OPEN
				     "</saml:Assertion></samlp:Response>",
		 "found 2"},
		/* an Assertion in the wrong namespace does not count */
		{HEAD "<Assertion xmlns=\"urn:x\"/></samlp:Response>",
		 "found 0"},
		/* an encrypted assertion */
		{HEAD "<saml:EncryptedAssertion/></samlp:Response>",
		 "encrypted"},
		/* an encrypted attribute */
		{HEAD ASSERTION_OPEN
		 "<saml:AttributeStatement>"
		 "<saml:EncryptedAttribute/></saml:AttributeStatement>"
		 "</saml:Assertion></samlp:Response>",
		 "encrypted attribute"},
		/* an Attribute without a Name */
		{HEAD ASSERTION_OPEN
		 "<saml:AttributeStatement><saml:Attribute "
		 "FriendlyName=\"x\"/></saml:AttributeStatement>"
		 "</saml:Assertion></samlp:Response>",
		 "has no Name"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_assertion *a = NULL;
		kg_err err = {0};

		if (parse(pool, cases[i].xml, &a, &err) != KG_EINVAL ||
		    !strstr(err.msg, cases[i].reason))
			fail_msg("case %zu: \"%s\"", i, err.msg);
		assert_null(a);
	}
}

static void test_ten_thousand_attributes_are_handled(void **state)
{
	apr_pool_t *pool = *state;
	kg_buf b;
	kg_assertion *a = NULL;
	kg_err err = {0};

	kg_buf_init(&b, pool, 1 << 20);
	kg_buf_adds(&b,
		    HEAD ASSERTION_OPEN SUBJECT "<saml:AttributeStatement>");
	for (int i = 0; i < 10000; i++)
		kg_buf_addf(&b,
			    "<saml:Attribute Name=\"a%d\"><saml:AttributeValue>"
			    "v%d</saml:AttributeValue></saml:Attribute>",
			    i, i);
	kg_buf_adds(&b, "</saml:AttributeStatement></saml:Assertion>"
			"</samlp:Response>");
	assert_int_equal(kg_saml_assertion_parse(pool, b.data, b.len, &a, &err),
			 KG_OK);
	assert_int_equal(a->nattrs, 10000);
	assert_string_equal(a->attrs[9999].name, "a9999");
	assert_string_equal(a->attrs[9999].values[0], "v9999");
}

static void test_oversized_response_is_refused(void **state)
{
	apr_pool_t *pool = *state;
	size_t n = KG_SAML_MAX_BYTES + 1;
	char *big = apr_palloc(pool, n + 1);
	kg_assertion *a = NULL;
	kg_err err = {0};

	memset(big, ' ', n);
	big[0] = '<';
	big[n] = '\0';
	assert_int_equal(kg_saml_assertion_parse(pool, big, n, &a, &err),
			 KG_EINVAL);
	assert_non_null(strstr(err.msg, "larger than"));
}

static void test_base64_with_line_breaks_decodes(void **state)
{
	apr_pool_t *pool = *state;
	const char *xml = sample();
	char *b64 = apr_palloc(pool,
			       (size_t)apr_base64_encode_len((int)strlen(xml)));
	kg_buf wrapped;
	const char *out;
	size_t out_len;
	kg_assertion *a = NULL;
	kg_err err = {0};

	apr_base64_encode(b64, xml, (int)strlen(xml));
	/* as a SAML tracer shows it: 76-column lines, CRLF, blanks around */
	kg_buf_init(&wrapped, pool, 64);
	kg_buf_adds(&wrapped, " \r\n");
	for (size_t i = 0; b64[i]; i += 76) {
		kg_buf_add(&wrapped, b64 + i, strnlen(b64 + i, 76));
		kg_buf_adds(&wrapped, "\r\n");
	}
	assert_int_equal(kg_saml_response_decode(pool, wrapped.data,
						 wrapped.len, &out, &out_len,
						 &err),
			 KG_OK);
	assert_int_equal(out_len, strlen(xml));
	assert_string_equal(out, xml);
	assert_int_equal(kg_saml_assertion_parse(pool, out, out_len, &a, &err),
			 KG_OK);
	assert_string_equal(a->name_id, "JDoe@corp.com");
}

typedef struct {
	const char *text;
	kg_rc rc;
	const char *reason;
} decode_case;

static void test_decode_accepts_xml_or_base64_only(void **state)
{
	apr_pool_t *pool = *state;
	static const decode_case cases[] = {
		/* XML with leading blanks passes as is */
		{"\n  <r/>", KG_OK, NULL},
		/* not base64 */
		{"hello world!", KG_EINVAL, "neither XML nor base64"},
		/* base64 of "<r/>", split over lines */
		{"PHIv\nPg==", KG_OK, NULL},
		/* a bad length */
		{"PHI", KG_EINVAL, "bad length"},
		/* base64 that is not XML */
		{"aGVsbG8=", KG_EINVAL, "not XML"},
		/* nothing */
		{"   ", KG_EINVAL, "bad length"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *out = NULL;
		size_t len = 0;
		kg_err err = {0};
		kg_rc rc = kg_saml_response_decode(pool, cases[i].text,
						   strlen(cases[i].text), &out,
						   &len, &err);
		if (rc != cases[i].rc ||
		    (cases[i].reason && !strstr(err.msg, cases[i].reason)))
			fail_msg("case %zu: %d \"%s\"", i, rc, err.msg);
		if (rc == KG_OK)
			assert_non_null(strstr(out, "<r/>"));
	}
}

static void test_extracted_assertion_maps_end_to_end(void **state)
{
	apr_pool_t *pool = *state;
	kg_assertion *a = NULL;
	kg_err err = {0};
	kg_mapper_set *set =
		kgt_set(pool, kgt_file(pool, NULL,
				       kgt_m(pool, "corp", "g",
					     "saml-user-attribute-idp-mapper",
					     "'attribute.friendly.name':'mail',"
					     "'user.attribute':'mails'"),
				       NULL));
	kg_map_result r;

	assert_int_equal(parse(pool, sample(), &a, &err), KG_OK);
	r = kgt_map_saml(pool, set, "corp", a, NULL);
	/* Decision 6: trimmed, nil dropped, username and email lower-cased */
	assert_string_equal(
		kgt_join(pool, kg_bag_get(r.user->attributes, "mails")),
		"a@corp.com,kept,");
	assert_string_equal(r.user->username, "jdoe@corp.com");
	assert_string_equal(r.user->email, "jdoe@corp.com");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_assertion_fields_are_extracted_and_trimmed),
		KGT(test_bare_assertion_is_accepted),
		KGT(test_bad_responses_are_refused),
		KGT(test_ten_thousand_attributes_are_handled),
		KGT(test_oversized_response_is_refused),
		KGT(test_base64_with_line_breaks_decodes),
		KGT(test_decode_accepts_xml_or_base64_only),
		KGT(test_extracted_assertion_maps_end_to_end),
	};
	return KGT_RUN(tests);
}
