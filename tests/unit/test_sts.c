/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: STS answers (gateway/proto/aws/sts.c): the success
 * shape of sts.md §1.4 parsed by element name in any order, the
 * ErrorResponse shapes (AWS's Error, moto's Errors/Error), the kg_rc each
 * code maps to, incomplete answers and DTDs refused, Expiration times.
 */
#include "tests/unit/fixture.h"

#include "gateway/base/time.h"
#include "gateway/proto/aws/sts.h"

#include <string.h>

static const char success[] =
	"<AssumeRoleWithSAMLResponse "
	"xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	"<AssumeRoleWithSAMLResult><Subject>alice</Subject>"
	"<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/Dev/"
	"alice</Arn><AssumedRoleId>AROAX:alice</AssumedRoleId>"
	"</AssumedRoleUser><Credentials>"
	"<SessionToken>\n  tok/+=&amp;en\n</SessionToken>"
	"<Expiration>2019-11-01T20:26:47Z</Expiration>"
	"<AccessKeyId>ASIAEXAMPLEEXAMPLE12</AccessKeyId>"
	"<SecretAccessKey>s3cret</SecretAccessKey><Unknown/>"
	"</Credentials><PackedPolicySize>6</PackedPolicySize>"
	"</AssumeRoleWithSAMLResult><ResponseMetadata><RequestId>rid-1"
	"</RequestId></ResponseMetadata></AssumeRoleWithSAMLResponse>";

static void test_success_is_parsed_by_element_name(void **state)
{
	apr_pool_t *pool = *state;
	kg_sts_creds c;
	kg_sts_outcome oc = {0};
	kg_err err = {0};

	assert_int_equal(kg_sts_parse(pool, "AssumeRoleWithSAML", 200, success,
				      strlen(success), &c, &oc, &err),
			 KG_OK);
	assert_string_equal(c.keys.access_key, "ASIAEXAMPLEEXAMPLE12");
	assert_string_equal(c.keys.secret_key, "s3cret");
	assert_string_equal(c.keys.session_token, "tok/+=&en");
	assert_int_equal(c.expiration_s, 1572640007LL);
	assert_string_equal(c.assumed_role_arn,
			    "arn:aws:sts::123456789012:assumed-role/Dev/alice");
	assert_string_equal(c.assumed_role_id, "AROAX:alice");
	assert_string_equal(oc.request_id, "rid-1");
	/* the answer must be the action's */
	kg_err_clear(&err);
	assert_int_equal(kg_sts_parse(pool, "AssumeRole", 200, success,
				      strlen(success), &c, &oc, &err),
			 KG_EBACKEND);
	assert_string_equal(oc.code, "bad_answer");
}

static void test_incomplete_or_dtd_answers_are_refused(void **state)
{
	apr_pool_t *pool = *state;
	static const char *const bad[] = {
		/* no SessionToken */
		"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
		"<AccessKeyId>A</AccessKeyId><SecretAccessKey>S"
		"</SecretAccessKey><Expiration>2019-11-01T20:26:47Z"
		"</Expiration></Credentials></AssumeRoleResult>"
		"</AssumeRoleResponse>",
		/* unreadable Expiration */
		"<AssumeRoleResponse><Credentials><AccessKeyId>A</AccessKeyId>"
		"<SecretAccessKey>S</SecretAccessKey><SessionToken>T"
		"</SessionToken><Expiration>tomorrow</Expiration>"
		"</Credentials></AssumeRoleResponse>",
		/* a DTD */
		"<!DOCTYPE AssumeRoleResponse [<!ENTITY x \"A\">]>"
		"<AssumeRoleResponse><Credentials><AccessKeyId>&x;"
		"</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
		"<SessionToken>T</SessionToken><Expiration>"
		"2019-11-01T20:26:47Z</Expiration></Credentials>"
		"</AssumeRoleResponse>",
		"not xml",
		"",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		kg_sts_creds c;
		kg_sts_outcome oc = {0};
		kg_err err = {0};

		assert_int_equal(kg_sts_parse(pool, "AssumeRole", 200, bad[i],
					      strlen(bad[i]), &c, &oc, &err),
				 KG_EBACKEND);
		assert_string_equal(oc.code, "bad_answer");
	}
}

static void test_error_shapes_and_their_rc(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		int status;
		const char *body, *code;
		kg_rc rc;
	} cases[] = {
		{400,
		 "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/"
		 "2011-06-15/\"><Error><Type>Sender</Type><Code>Throttling"
		 "</Code><Message>Rate exceeded</Message></Error><RequestId>"
		 "f9dc</RequestId></ErrorResponse>",
		 "Throttling", KG_EBACKEND},
		/* moto's shape: Errors/Error, no namespace */
		{403,
		 "<ErrorResponse><Errors><Error><Code>AccessDenied</Code>"
		 "<Message>no</Message></Error></Errors></ErrorResponse>",
		 "AccessDenied", KG_EDENIED},
		{400,
		 "<ErrorResponse><Error><Code>ExpiredTokenException</Code>"
		 "<Message>Token must be redeemed within 5 minutes of "
		 "issuance</Message></Error></ErrorResponse>",
		 "ExpiredTokenException", KG_EAUTH},
		{403,
		 "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>"
		 "</Error></ErrorResponse>",
		 "SignatureDoesNotMatch", KG_EAUTH},
		{400,
		 "<ErrorResponse><Error><Code>ValidationError</Code><Message>"
		 "The requested DurationSeconds exceeds the "
		 "MaxSessionDuration set for this role.</Message></Error>"
		 "</ErrorResponse>",
		 "ValidationError", KG_EINVAL},
		{500,
		 "<ErrorResponse><Error><Code>InternalFailure</Code></Error>"
		 "</ErrorResponse>",
		 "InternalFailure", KG_EBACKEND},
		{502, "<html>Bad Gateway</html>", "bad_answer", KG_EBACKEND},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_sts_creds c;
		kg_sts_outcome oc = {0};
		kg_err err = {0};

		assert_int_equal(kg_sts_parse(pool, "AssumeRoleWithSAML",
					      cases[i].status, cases[i].body,
					      strlen(cases[i].body), &c, &oc,
					      &err),
				 cases[i].rc);
		assert_string_equal(oc.code, cases[i].code);
		assert_int_equal(oc.http_status, cases[i].status);
	}
	assert_true(kg_sts_is_throttle("ThrottlingException"));
	assert_false(kg_sts_is_throttle("AccessDenied"));
}

static void test_expiration_times(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		long long t;
	} cases[] = {
		{"2019-11-01T20:26:47Z", true, 1572640007LL},
		{"2026-11-25T07:27:12.906728Z", true, 1795591632LL}, /* moto */
		{"2019-11-01T22:26:47+02:00", true, 1572640007LL},
		{"2019-11-01T18:26:47-02:00", true, 1572640007LL},
		{"2019-11-01T20:26:47", false, 0},
		{"2019-11-01 20:26:47Z", false, 0},
		{"2019-13-01T20:26:47Z", false, 0},
		{"2019-11-01T20:26:47.Z", false, 0},
		{"2019-11-01T20:26:47Zjunk", false, 0},
		{"", false, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		long long t = 0;

		assert_int_equal(kg_time_parse(cases[i].s, false, &t),
				 cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(t, cases[i].t);
	}
	assert_false(kg_time_parse(NULL, false, NULL));
	/* SAML's xs:dateTime: UTC only, upper-case T and Z */
	{
		long long t = 0;
		assert_true(kg_time_parse("2019-11-01T20:26:47.5Z", true, &t));
		assert_int_equal(t, 1572640007LL);
		assert_false(
			kg_time_parse("2019-11-01T22:26:47+02:00", true, &t));
		assert_false(kg_time_parse("2019-11-01t20:26:47z", true, &t));
		assert_true(kg_time_parse("2019-11-01t20:26:47z", false, &t));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_success_is_parsed_by_element_name),
		KGT(test_incomplete_or_dtd_answers_are_refused),
		KGT(test_error_shapes_and_their_rc),
		KGT(test_expiration_times),
	};
	return KGT_RUN(tests);
}
