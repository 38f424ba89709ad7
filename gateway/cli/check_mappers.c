/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate check-mappers`, which validates a mapper file and
 * summarises it.
 */
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"

#include <stdio.h>
#include <string.h>

static const char check_usage[] =
	"usage: keygate check-mappers FILE\n"
	"\n"
	"Validates a mapper file (Keycloak realm-export JSON) the way the\n"
	"gateway does at start, prints every problem as FILE:LINE:COL: "
	"message,\n"
	"or a summary of the mappers per provider alias and type.\n"
	"Exit status: 0 valid, 1 invalid, 2 usage error.\n";

/* Prints "ALIAS (protocol, sync MODE)" then a count per mapper type. */
static void print_summary(const kg_mapper_set *set)
{
	const char *done[512];
	size_t ndone = 0;

	printf("%s: %zu mapper%s, %zu identity provider%s\n", set->path,
	       set->nmappers, set->nmappers == 1 ? "" : "s", set->nidps,
	       set->nidps == 1 ? "" : "s");
	for (size_t i = 0; i < set->nmappers; i++) {
		const char *alias = set->mappers[i].alias;
		const kg_idp *idp = kg_mapper_set_idp(set, alias);
		bool seen = false;

		for (size_t d = 0; d < ndone; d++)
			seen |= strcmp(done[d], alias) == 0;
		if (seen || ndone == sizeof(done) / sizeof(*done))
			continue;
		done[ndone++] = alias;
		printf("%s (%s, sync %s)\n", alias,
		       idp ? idp->provider_id : "no provider entry",
		       kg_sync_mode_name(kg_mapper_set_idp_sync(set, alias)));
		for (size_t j = i; j < set->nmappers; j++) {
			const kg_mapper *m = &set->mappers[j];
			size_t count = 0;
			bool first = true;
			if (strcmp(m->alias, alias) != 0)
				continue;
			for (size_t k = i; k < j; k++)
				first &= !(strcmp(set->mappers[k].alias,
						  alias) == 0 &&
					   strcmp(set->mappers[k].type_id,
						  m->type_id) == 0);
			if (!first)
				continue;
			for (size_t k = j; k < set->nmappers; k++)
				count += strcmp(set->mappers[k].alias, alias) ==
						 0 &&
					 strcmp(set->mappers[k].type_id,
						m->type_id) == 0;
			printf("  %-36s %zu\n", m->type_id, count);
		}
	}
}

int kg_cli_check_mappers(int argc, char **argv)
{
	apr_pool_t *pool;
	apr_array_header_t *problems;
	kg_mapper_set *set;
	kg_err err = {0};
	int rc;

	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(check_usage, stdout);
		return KG_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return kg_cli_usage_error("check-mappers",
					  "expected one mapper FILE");
	apr_pool_create(&pool, NULL);
	problems = apr_array_make(pool, 8, sizeof(const char *));
	if (kg_mapper_file_load(pool, argv[1], &set, problems, &err) == KG_OK) {
		print_summary(set);
		rc = KG_EXIT_OK;
	} else {
		for (int i = 0; i < problems->nelts; i++)
			fprintf(stderr, "%s\n",
				APR_ARRAY_IDX(problems, i, const char *));
		fprintf(stderr, "keygate: %d problem%s in %s\n",
			problems->nelts, problems->nelts == 1 ? "" : "s",
			argv[1]);
		rc = KG_EXIT_INPUT;
	}
	apr_pool_destroy(pool);
	return rc;
}
