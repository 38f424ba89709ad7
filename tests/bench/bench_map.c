/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate benchmark: a 40-attribute assertion through 20 mappers (the
 * mapper file and Response in this folder), on one core. Reports
 * mappings per second of CPU time for the mapping alone and for
 * parse + mapping, and the peak RSS.
 * usage: bench_map MAPPERS.json RESPONSE.xml ITERATIONS
 */
#include "conf/mapper_file.h"
#include "conf/read.h"
#include "gateway/flow/core/admit.h"
#include "gateway/proto/saml/assertion.h"

#include <apr_general.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Maps one login in a fresh subpool; parses the Response first when
 * assertion is NULL. Returns false when the login is not as expected. */
static bool one_login(apr_pool_t *parent, const kg_mapper_set *set,
		      const kg_conf_mapping *conf, const char *xml, size_t len,
		      const kg_assertion *assertion)
{
	apr_pool_t *pool;
	kg_map_input in = {.proto = KG_PROTO_SAML, .saml = assertion};
	kg_admit_outcome out;
	kg_assertion *parsed;
	kg_err err = {0};
	bool ok;

	apr_pool_create(&pool, parent);
	if (assertion == NULL &&
	    kg_saml_assertion_parse(pool, xml, len, &parsed, &err) == KG_OK)
		in.saml = parsed;
	ok = in.saml &&
	     kg_admit_map(pool, set, conf, "corp-saml", &in, NULL, &out,
			  &err) == KG_OK &&
	     out.allowed && out.user->roles->nelts == 4 &&
	     out.user->aws_roles->nelts == 2;
	apr_pool_destroy(pool);
	return ok;
}

static double run(apr_pool_t *pool, const kg_mapper_set *set,
		  const kg_conf_mapping *conf, const char *xml, size_t len,
		  const kg_assertion *assertion, long iterations)
{
	double start = cpu_seconds();

	for (long i = 0; i < iterations; i++) {
		if (!one_login(pool, set, conf, xml, len, assertion)) {
			fprintf(stderr, "bench_map: unexpected mapping\n");
			exit(1);
		}
	}
	return (double)iterations / (cpu_seconds() - start);
}

int main(int argc, char **argv)
{
	apr_pool_t *pool;
	kg_mapper_set *set;
	kg_conf_mapping conf;
	kg_assertion *assertion;
	const char *xml;
	size_t len;
	kg_err err = {0};
	struct rusage ru;
	long iterations;
	double map_rate, full_rate;

	if (argc != 4 || (iterations = atol(argv[3])) <= 0) {
		fprintf(stderr,
			"usage: bench_map MAPPERS RESPONSE ITERATIONS\n");
		return 2;
	}
	apr_initialize();
	apr_pool_create(&pool, NULL);
	kg_conf_mapping_defaults(pool, &conf);
	APR_ARRAY_PUSH(conf.gate_values, const char *) = "dave-users";
	if (kg_mapper_file_load(pool, argv[1], &set, NULL, &err) ||
	    kg_conf_read_file(pool, argv[2], KG_SAML_MAX_BYTES, &xml, &len,
			      &err) ||
	    kg_saml_assertion_parse(pool, xml, len, &assertion, &err)) {
		fprintf(stderr, "bench_map: %s\n", err.msg);
		return 1;
	}
	if (assertion->nattrs != 40 || set->nmappers != 20) {
		fprintf(stderr, "bench_map: want 40 attributes, 20 mappers\n");
		return 1;
	}
	map_rate = run(pool, set, &conf, xml, len, assertion, iterations);
	full_rate = run(pool, set, &conf, xml, len, NULL, iterations / 4);
	getrusage(RUSAGE_SELF, &ru);
	printf("mappings_per_second %.0f\n", map_rate);
	printf("parse_and_map_per_second %.0f\n", full_rate);
	printf("peak_rss_kib %ld\n", ru.ru_maxrss);
	apr_pool_destroy(pool);
	apr_terminate();
	return 0;
}
