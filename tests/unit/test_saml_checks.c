/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the pure SAML checks the ACS runs around lasso:
 * whether a verified Response answers this browser's AuthnRequest
 * (kg_saml_answers) and what points outside a message
 * (kg_saml_external_ref: XInclude, schema locations).
 */
#include "tests/unit/fixture.h"

#include "gateway/proto/saml/assertion.h"
#include "gateway/proto/saml/saml.h"

#include <libxml/parser.h>
#include <string.h>

static void test_a_response_answers_only_its_browsers_request(void **state)
{
	kg_saml_verified v = {.in_response_to = "_req1"};
	kg_saml_verified unsolicited = {.in_response_to = NULL};
	const char *reason = NULL;
	kg_err err = {0};

	assert_int_equal(
		kg_saml_answers(&v, "_req1", false, NULL, &reason, &err),
		KG_OK);
	/* another request of this browser */
	assert_int_equal(
		kg_saml_answers(&v, "_req2", false, NULL, &reason, &err),
		KG_EINVAL);
	assert_string_equal(reason, "saml_inresponseto");
	assert_non_null(strstr(err.msg, "not the request of this browser"));
	/* no login state (expired, gone, or another browser): the why is
	 * logged */
	kg_err_clear(&err);
	reason = NULL;
	assert_int_equal(kg_saml_answers(&v, NULL, true,
					 "the login took too long", &reason,
					 &err),
			 KG_EINVAL);
	assert_string_equal(reason, "saml_inresponseto");
	assert_non_null(strstr(err.msg, "the login took too long"));
	kg_err_clear(&err);
	assert_int_equal(kg_saml_answers(&v, NULL, true, NULL, &reason, &err),
			 KG_EINVAL);
	assert_non_null(strstr(err.msg, "it has no login waiting"));
	/* IdP-initiated: only with KeygateSAMLUnsolicited On */
	kg_err_clear(&err);
	assert_int_equal(
		kg_saml_answers(&unsolicited, NULL, false, NULL, &reason, &err),
		KG_EINVAL);
	assert_non_null(strstr(err.msg, "KeygateSAMLUnsolicited is Off"));
	kg_err_clear(&err);
	assert_int_equal(
		kg_saml_answers(&unsolicited, NULL, true, NULL, &reason, &err),
		KG_OK);
	assert_int_equal(kg_saml_answers(&unsolicited, "_req1", true, NULL,
					 &reason, &err),
			 KG_OK);
}

/* kg_saml_external_ref on the root of xml. */
static const char *external_ref(const char *xml)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR |
					    XML_PARSE_NOWARNING);
	const char *what;

	assert_non_null(doc);
	what = kg_saml_external_ref(xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return what;
}

#define XI "xmlns:xi=\"http://www.w3.org/2001/XInclude\""
#define XSI "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""

static void test_xinclude_and_schema_locations_are_found_anywhere(void **state)
{
	static const struct {
		const char *xml, *want; /* want NULL: nothing found */
	} cases[] = {
		{"<r " XI "><a><b><xi:include href=\"file:///etc/passwd\"/>"
		 "</b></a></r>",
		 "an XInclude element"},
		{"<r><a/><a><b/><c><xi:fallback xmlns:xi=\"http://www.w3.org/"
		 "2003/XInclude\"/></c></a></r>",
		 "an XInclude element"},
		{"<xi:include " XI " href=\"x\"/>", "an XInclude element"},
		{"<r " XSI " xsi:schemaLocation=\"urn:x http://h/x.xsd\"/>",
		 "an xsi:schemaLocation attribute"},
		{"<r><a/><b><c " XSI
		 " xsi:noNamespaceSchemaLocation=\"y.xsd\"/>"
		 "</b></r>",
		 "an xsi:schemaLocation attribute"},
		/* another prefix for the same namespace */
		{"<r xmlns:s=\"http://www.w3.org/2001/XMLSchema-instance\"><a "
		 "s:schemaLocation=\"urn:x x.xsd\"/></r>",
		 "an xsi:schemaLocation attribute"},
		/* the namespaces alone, xsi:type, or an unqualified
		 * schemaLocation are fine */
		{"<r " XI " " XSI "><a xsi:type=\"xs:string\">v</a></r>", NULL},
		{"<r schemaLocation=\"x\"><include href=\"y\"/></r>", NULL},
		{"<r><a/><b><c/></b>text<!-- c --></r>", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *got = external_ref(cases[i].xml);
		if (cases[i].want == NULL
			    ? got != NULL
			    : got == NULL || strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got %s", cases[i].xml,
				 got ? got : "nothing");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_a_response_answers_only_its_browsers_request),
		KGT(test_xinclude_and_schema_locations_are_found_anywhere),
	};
	return KGT_RUN(tests);
}
