/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the start-time check of IdP metadata
 * (gateway/proto/saml/metadata.c): each problem at its FILE:LINE:COL.
 */
#include "tests/unit/fixture.h"

#include "gateway/proto/saml/metadata.h"

#include <apr_strings.h>
#include <string.h>

#define MD "xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\""
#define DS "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\""
#define SSO                                                                    \
	"<SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:" \
	"HTTP-Redirect\" Location=\"https://idp/sso\"/>"
#define KEY(use)                                                               \
	"<KeyDescriptor" use "><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"  \
	"MIIB</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"

static const char *check(apr_pool_t *pool, const char *xml)
{
	kg_err err = {0};
	kg_rc rc = kg_saml_metadata_check(pool, "/etc/idp.xml", xml,
					  strlen(xml), &err);

	if (rc == KG_OK)
		return NULL;
	assert_int_equal(rc, KG_ECONFIG);
	return apr_pstrdup(pool, err.msg);
}

static void test_good_metadata_passes(void **state)
{
	assert_null(check(*state,
			  "<EntityDescriptor " MD " " DS
			  " entityID=\"https://idp\">\n"
			  "<IDPSSODescriptor>" KEY(" use=\"signing\"") SSO
			  "</IDPSSODescriptor></EntityDescriptor>"));
	/* a KeyDescriptor without use is for signing too */
	assert_null(check(*state,
			  "<EntityDescriptor " MD " " DS
			  " entityID=\"https://idp\"><IDPSSODescriptor>" KEY("")
				  SSO "</IDPSSODescriptor>"
				      "</EntityDescriptor>"));
}

static void test_each_problem_is_placed(void **state)
{
	static const struct {
		const char *xml, *want;
	} rows[] = {
		{"<EntityDescriptor " MD ">\n<IDPSSODescriptor>\n</x>",
		 "/etc/idp.xml:3:"},
		{"<!DOCTYPE x [<!ENTITY e \"y\">]><EntityDescriptor " MD
		 " entityID=\"i\"/>",
		 "/etc/idp.xml:1:1: the metadata has a DTD"},
		{"<EntitiesDescriptor " MD "/>", "not an md:EntityDescriptor"},
		{"<EntityDescriptor " MD "/>", "has no entityID"},
		{"<EntityDescriptor " MD
		 " entityID=\"i\">\n</EntityDescriptor>",
		 "exactly one IDPSSODescriptor"},
		{"<EntityDescriptor " MD " " DS " entityID=\"i\">\n"
		 "<IDPSSODescriptor>" KEY("") "</IDPSSODescriptor>\n"
					      "</EntityDescriptor>",
		 "/etc/idp.xml:2:1: the IDPSSODescriptor has no "
		 "SingleSignOnService"},
		{"<EntityDescriptor " MD " " DS " entityID=\"i\">\n\n"
		 "<IDPSSODescriptor>" KEY(" use=\"encryption\"") SSO
		 "</IDPSSODescriptor></EntityDescriptor>",
		 "/etc/idp.xml:3:1: the IDPSSODescriptor has no signing"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		const char *got = check(*state, rows[i].xml);
		if (got == NULL || strstr(got, rows[i].want) == NULL)
			fail_msg("row %zu: got %s, want %s", i,
				 got ? got : "accepted", rows[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_good_metadata_passes),
		KGT(test_each_problem_is_placed),
	};
	return KGT_RUN(tests);
}
