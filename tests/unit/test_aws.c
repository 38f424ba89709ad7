/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: AWS credentials in the gateway: the settings
 * (conf/aws.c), the stored form (gateway/flow/aws/set.c) and what workloads
 * read (gateway/flow/aws/render.c).
 */
#include "tests/unit/fixture.h"

#include "conf/aws.h"
#include "gateway/flow/aws/render.h"
#include "gateway/flow/aws/set.h"
#include "gateway/base/time.h"

#include <string.h>

static void test_durations_parse_strictly(void **state)
{
	static const struct {
		const char *text;
		long long seconds; /* -1: refused */
	} rows[] = {
		{"3600", 3600},
		{"1h", 3600},
		{"90m", 5400},
		{"3600s", 3600},
		{"1h30m", 5400},
		{"2h5m7s", 7507},
		{"0", -1},
		{"0h", -1},
		{"", -1},
		{"1d", -1},
		{"m", -1},
		{"1m1h", -1},
		{"1h1h", -1},
		{"-5", -1},
		{"1.5h", -1},
		{"1h ", -1},
		{"99999999999h", -1},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		long long s = -1;
		bool ok = kg_conf_duration(rows[i].text, &s);
		if (ok != (rows[i].seconds >= 0) ||
		    (ok && s != rows[i].seconds))
			fail_msg("\"%s\": ok=%d s=%lld", rows[i].text, ok, s);
	}
}

static void test_aws_settings_are_read(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err = {0};

	assert_int_equal(
		kgt_conf_load(pool,
			      "KeygateAwsCredentials On\n"
			      "KeygateAwsRegion eu-west-1\n"
			      "KeygateAwsSessionDuration 2h\n"
			      "KeygateAwsEndpoint https://sts.vpce.example/\n"
			      "KeygateAwsRefreshWindow 15m\n"
			      "KeygateAwsSAMLResponse separate\n"
			      "KeygateAwsDefaultProfile Analyst\n"
			      "KeygateAwsCredentialsDir /srv/homes\n"
			      "KeygateAwsMaxRoles 3\n"
			      "KeygateSAMLProvider corp /i.xml\n",
			      &conf, &err),
		KG_OK);
	assert_true(conf->aws.enabled);
	assert_string_equal(conf->aws.region, "eu-west-1");
	assert_int_equal(conf->aws.default_duration_s, 7200);
	assert_int_equal(conf->aws.refresh_window_s, 900);
	assert_true(conf->aws.separate_response);
	assert_string_equal(conf->aws.default_profile, "Analyst");
	assert_int_equal(conf->aws.max_roles, 3);
	/* defaults */
	assert_int_equal(kgt_conf_load(pool, "", &conf, &err), KG_OK);
	assert_false(conf->aws.enabled);
	assert_int_equal(conf->aws.default_duration_s, 3600);
	assert_int_equal(conf->aws.refresh_window_s, 600);
	assert_false(conf->aws.separate_response);
}

static void test_bad_aws_directives_say_why(void **state)
{
	static const kgt_bad_directive rows[] = {
		{"KeygateAwsRegion US_WEST", "must be an AWS region"},
		{"KeygateAwsSessionDuration 10m", "from 900s to 43200s"},
		{"KeygateAwsSessionDuration 13h", "from 900s to 43200s"},
		{"KeygateAwsSessionDuration 1x", "must be a duration"},
		{"KeygateAwsRefreshWindow 50m", "from 60s to 2700s"},
		{"KeygateAwsEndpoint http://sts.example/", "https://"},
		{"KeygateAwsEndpoint ftp://127.0.0.1/", "https://"},
		{"KeygateAwsEndpoint http://127.0.0.1:1@sts.evil.example/",
		 "https://"},
		{"KeygateAwsEndpoint https://user@sts.example/", "https://"},
		{"KeygateAwsSAMLResponse both", "must be login or separate"},
		{"KeygateAwsDefaultProfile my/profile", "A-Z a-z 0-9"},
		{"KeygateAwsCredentialsDir homes", "absolute"},
		{"KeygateAwsMaxRoles 0", "from 1 to 50"},
		{"KeygateAwsTimeout 500", "from 1 to 120"},
		{"KeygateAwsCredentials maybe", "On"},
	};

	kgt_expect_directive_errors(*state, rows, sizeof(rows) / sizeof(*rows));
}

static void test_aws_needs_a_region_and_saml(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err = {0};

	assert_int_equal(
		kgt_conf_load(pool, "KeygateAwsCredentials On\n", &conf, &err),
		KG_ECONFIG);
	assert_non_null(strstr(err.msg, "KeygateAwsRegion"));
	assert_int_equal(kgt_conf_load(pool,
				       "KeygateAwsCredentials On\n"
				       "KeygateAwsRegion us-east-1\n",
				       &conf, &err),
			 KG_ECONFIG);
	assert_non_null(strstr(err.msg, "KeygateSAMLProvider"));
	assert_int_equal(kgt_conf_load(pool,
				       "KeygateAwsCredentials On\n"
				       "KeygateAwsRegion us-east-1\n"
				       "KeygateSAMLProvider corp /i.xml\n",
				       &conf, &err),
			 KG_OK);
	assert_true(conf->saml.aws_shared_response);
}

/* Appends a role with keys K (NULL: failed) expiring at exp_s. */
static kg_aws_role_creds *add_role(kg_aws_set *set, const char *arn,
				   const char *key, long long exp_s)
{
	kg_aws_role_creds *r = apr_array_push(set->roles);

	memset(r, 0, sizeof(*r));
	r->role_arn = arn;
	r->principal_arn = "arn:aws:iam::111111111111:saml-provider/corp";
	r->ok = key != NULL;
	r->error = key ? NULL : "AccessDenied: Not authorized";
	if (key) {
		r->creds.keys.access_key = key;
		r->creds.keys.secret_key = "s\"e/c+r=e\\t";
		r->creds.keys.session_token = "t0k+n/==";
		r->creds.expiration_s = exp_s;
		r->creds.assumed_role_arn =
			"arn:aws:sts::111111111111:assumed-role/R/demo";
	}
	return r;
}

static void test_stored_form_round_trips_and_says_when_due(void **state)
{
	apr_pool_t *pool = *state;
	kg_aws_set *set = kg_aws_set_make(pool), *back;
	const char *text;
	kg_err err = {0};

	add_role(set, "arn:aws:iam::111111111111:role/A", "ASIAA", 10000);
	add_role(set, "arn:aws:iam::111111111111:role/B", "ASIAB", 5000);
	add_role(set, "arn:aws:iam::111111111111:role/C", NULL, 0);
	/* due at the earliest expiry minus the window: 5000 - 600 s */
	assert_int_equal(kg_aws_set_due_ms(set, 600), 4400000);
	text = kg_aws_set_encode(pool, set, 600);
	assert_false(kg_aws_set_due(text, 4399999));
	assert_true(kg_aws_set_due(text, 4400000));
	assert_false(kg_aws_set_due(NULL, 1));
	assert_false(kg_aws_set_due("2 5\n{}", 10));
	assert_int_equal(kg_aws_set_decode(pool, text, &back, &err), KG_OK);
	assert_int_equal(back->roles->nelts, 3);
	assert_string_equal(APR_ARRAY_IDX(back->roles, 0, kg_aws_role_creds)
				    .creds.keys.secret_key,
			    "s\"e/c+r=e\\t");
	assert_false(APR_ARRAY_IDX(back->roles, 2, kg_aws_role_creds).ok);
	assert_string_equal(
		APR_ARRAY_IDX(back->roles, 2, kg_aws_role_creds).error,
		"AccessDenied: Not authorized");
	assert_string_equal(
		kg_aws_session_name(pool, &APR_ARRAY_IDX(back->roles, 0,
							 kg_aws_role_creds)),
		"demo");
	/* a failed refresh waits: retry_after moves the due time */
	APR_ARRAY_IDX(set->roles, 1, kg_aws_role_creds).retry_after_ms =
		4460000;
	assert_int_equal(kg_aws_set_due_ms(set, 600), 4460000);
	/* expired keys are never due (only a new login helps) */
	APR_ARRAY_IDX(set->roles, 1, kg_aws_role_creds).retry_after_ms =
		5000000;
	assert_int_equal(kg_aws_set_due_ms(set, 600), 9400000);
	/* damaged forms are refused */
	assert_int_equal(
		kg_aws_set_decode(pool, "1 0\n{\"roles\":[{}]}", &back, &err),
		KG_EINVAL);
	assert_int_equal(kg_aws_set_decode(pool, "garbage", &back, &err),
			 KG_EINVAL);
}

static void test_profile_names_are_safe_and_unique(void **state)
{
	apr_pool_t *pool = *state;
	kg_aws_set *set = kg_aws_set_make(pool);
	apr_array_header_t *names;

	add_role(set, "arn:aws:iam::111111111111:role/DataSci", "K1", 9000);
	add_role(set, "arn:aws:iam::222222222222:role/DataSci", "K2", 9000);
	add_role(set, "arn:aws:iam::111111111111:role/team/Ops Admin", "K3",
		 9000);
	add_role(set, "arn:aws:iam::111111111111:role/default", "K4", 9000);
	add_role(set, "arn:aws:iam::333333333333:role/path/Ops Admin", "K5",
		 9000);
	names = kg_aws_profiles(pool, set);
	assert_string_equal(kgt_join(pool, names),
			    "DataSci-111111111111,DataSci-222222222222,"
			    "Ops-Admin-111111111111,default-2,"
			    "Ops-Admin-333333333333");
}

static void test_file_and_process_forms(void **state)
{
	apr_pool_t *pool = *state;
	kg_aws_set *set = kg_aws_set_make(pool);
	const char *file, *json;
	kg_buf status;

	add_role(set, "arn:aws:iam::111111111111:role/Old", "ASIAOLD", 100);
	add_role(set, "arn:aws:iam::111111111111:role/Dev", "ASIADEV", 9000);
	add_role(set, "arn:aws:iam::111111111111:role/Ops", "ASIAOPS", 9000);
	add_role(set, "arn:aws:iam::111111111111:role/Nope", NULL, 0);
	file = kg_aws_render_file(pool, set, NULL, 1000);
	/* expired and failed roles are left out; [default] is the first
	 * usable role */
	assert_non_null(strstr(file, "\n[default]\naws_access_key_id = "
				     "ASIADEV\n"));
	assert_non_null(strstr(file, "\n[Dev]\n"));
	assert_non_null(strstr(file, "\n[Ops]\naws_access_key_id = ASIAOPS\n"
				     "aws_secret_access_key = s\"e/c+r=e\\t\n"
				     "aws_session_token = t0k+n/==\n"));
	assert_null(strstr(file, "Old"));
	assert_null(strstr(file, "Nope"));
	file = kg_aws_render_file(pool, set, "Ops", 1000);
	assert_non_null(strstr(file, "[default]\naws_access_key_id = ASIAOPS"));
	json = kg_aws_render_process(pool, set, "Ops", NULL, 1000);
	assert_string_equal(json, "{\"Version\":1,\"AccessKeyId\":\"ASIAOPS\","
				  "\"SecretAccessKey\":\"s\\\"e/c+r=e\\\\t\","
				  "\"SessionToken\":\"t0k+n/==\","
				  "\"Expiration\":\"1970-01-01T02:30:00Z\"}\n");
	assert_non_null(strstr(
		kg_aws_render_process(pool, set, NULL, NULL, 1000), "ASIADEV"));
	assert_null(kg_aws_render_process(pool, set, "Old", NULL, 1000));
	assert_null(kg_aws_render_process(pool, set, "Nope", NULL, 1000));
	assert_null(kg_aws_render_file(pool, set, NULL, 100000));
	kg_buf_init(&status, pool, 64);
	kg_aws_render_status(&status, set, 1000);
	assert_non_null(strstr(status.data,
			       "\"profile\":\"Old\",\"role\":\"arn:"
			       "aws:iam::111111111111:role/Old\","
			       "\"status\":\"expired\""));
	assert_non_null(strstr(status.data,
			       "\"status\":\"failed\",\"error\":"
			       "\"AccessDenied: Not authorized\""));
	assert_null(strstr(status.data, "ASIA"));
	assert_null(strstr(status.data, "t0k"));
}

static void test_utc_times_format(void **state)
{
	char out[KG_TIME_UTC_LEN + 1];
	long long back;

	kg_time_format_utc(1795604258, out);
	assert_string_equal(out, "2026-11-25T10:57:38Z");
	assert_true(kg_time_parse(out, true, &back));
	assert_int_equal(back, 1795604258);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_durations_parse_strictly),
		KGT(test_aws_settings_are_read),
		KGT(test_bad_aws_directives_say_why),
		KGT(test_aws_needs_a_region_and_saml),
		KGT(test_stored_form_round_trips_and_says_when_due),
		KGT(test_profile_names_are_safe_and_unique),
		KGT(test_file_and_process_forms),
		KGT(test_utc_times_format),
	};
	return KGT_RUN(tests);
}
