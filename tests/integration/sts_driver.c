/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate integration helper: drives kg_sts against the fake STS that
 * tests/integration/sts.sh started (tests/fixtures/fake_sts.py). Prints
 * one summary line of the outcome (no secret in it):
 *   rc=NAME status=N code=C attempts=N duration=N fallback=0|1 ttl=N
 * where ttl is expiration - now on success. Log lines go to stderr.
 * Modes:
 *   saml ENDPOINT ROLE PRINCIPAL ASSERTION_FILE DURATION CREDS_OUT
 *       AssumeRoleWithSAML; on success writes the credentials (key id,
 *       secret, token, one a line) to CREDS_OUT, mode 0600
 *   refresh ENDPOINT CREDS_IN ROLE SESSION DURATION CREDS_OUT [tamper]
 *       AssumeRole signed with CREDS_IN ("tamper": a wrong secret)
 * Environment: STS_TIMEOUT (s, default 5), STS_ATTEMPTS (default 3),
 * STS_SKEW (s added to the signing clock, refresh only).
 */
#include "gateway/base/str.h"
#include "gateway/proto/aws/sts.h"
#include "gateway/proto/aws/http.h"
#include "tests/integration/driver.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const kg_log stderr_log = {KG_LOG_DEBUG, driver_log, NULL};

static char *slurp(apr_pool_t *pool, const char *path)
{
	FILE *f = fopen(path, "rb");
	kg_buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	kg_buf_init(&b, pool, 65536);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kg_buf_add(&b, chunk, n);
	fclose(f);
	return b.data;
}

static void write_creds(const char *path, const kg_sts_creds *c)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fprintf(f, "%s\n%s\n%s\n", c->keys.access_key, c->keys.secret_key,
		c->keys.session_token);
	fclose(f);
}

static void report(kg_rc rc, const kg_sts_outcome *oc, const kg_sts_creds *c)
{
	printf("rc=%s status=%d code=%s attempts=%d duration=%lld "
	       "fallback=%d ttl=%lld\n",
	       kg_rc_name(rc), oc->http_status, oc->code ? oc->code : "-",
	       oc->attempts, oc->duration_s, oc->duration_fallback ? 1 : 0,
	       rc == KG_OK ? c->expiration_s - (long long)time(NULL) : 0);
}

int main(int argc, char **argv)
{
	apr_pool_t *pool;
	kg_sts_opts o = {0};
	kg_sts_creds out = {0};
	kg_sts_outcome oc;
	kg_err err = {0};
	kg_rc rc;

	if (argc < 8) {
		fprintf(stderr, "usage: see the header of sts_driver.c\n");
		return 2;
	}
	apr_initialize();
	kg_aws_http_global_init();
	apr_pool_create(&pool, NULL);
	o.endpoint = argv[2];
	o.region = "us-west-2";
	o.timeout_s = getenv("STS_TIMEOUT") ? atoll(getenv("STS_TIMEOUT")) : 5;
	o.max_attempts =
		getenv("STS_ATTEMPTS") ? atoi(getenv("STS_ATTEMPTS")) : 3;
	o.backoff_base_ms = 50;
	o.backoff_max_ms = 400;
	o.log = &stderr_log;
	if (strcmp(argv[1], "saml") == 0) {
		rc = kg_sts_assume_role_with_saml(
			pool, &o, argv[3], argv[4], slurp(pool, argv[5]),
			atoll(argv[6]), &out, &oc, &err);
		if (rc == KG_OK)
			write_creds(argv[7], &out);
	} else if (strcmp(argv[1], "refresh") == 0) {
		char *text = slurp(pool, argv[3]), *save = NULL;
		kg_aws_creds cur;
		long long skew =
			getenv("STS_SKEW") ? atoll(getenv("STS_SKEW")) : 0;

		cur.access_key = apr_strtok(text, "\n", &save);
		cur.secret_key = apr_strtok(NULL, "\n", &save);
		cur.session_token = apr_strtok(NULL, "\n", &save);
		if (argc > 8 && strcmp(argv[8], "tamper") == 0)
			cur.secret_key =
				"wrong-secret-wrong-secret-wrong-secret00";
		rc = kg_sts_assume_role(pool, &o, &cur, argv[4], argv[5],
					atoll(argv[6]),
					skew ? (long long)time(NULL) + skew : 0,
					&out, &oc, &err);
		if (rc == KG_OK)
			write_creds(argv[7], &out);
	} else {
		fprintf(stderr, "unknown mode %s\n", argv[1]);
		return 2;
	}
	report(rc, &oc, &out);
	if (rc != KG_OK)
		fprintf(stderr, "error: %s\n", err.msg);
	apr_pool_destroy(pool);
	apr_terminate();
	return 0;
}
