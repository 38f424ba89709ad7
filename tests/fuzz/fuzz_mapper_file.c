/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: the mapper-file loader (JSON reader, type checks,
 * template and regex compilation), then a mapping run over a fixed
 * assertion with whatever compiled.
 */
#include "tests/fuzz/fuzz.h"
#include "conf/mapper_file.h"
#include "mappers/map.h"

#include <apr_general.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *values[] = {"SysAdmin", "a@b.c"};
	static kg_saml_attr attrs[] = {{.name = "role",
					.friendly_name = "Role",
					.values = values,
					.nvalues = 2}};
	static const kg_assertion assertion = {
		.name_id = "jdoe@example.org",
		.name_id_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:"
				  "emailAddress",
		.attrs = attrs,
		.nattrs = 1};
	kg_map_input in = {.proto = KG_PROTO_SAML, .saml = &assertion};
	kg_conf_mapping conf;
	kg_mapper_set *set;
	kg_map_result res;
	kg_err err = {0};
	apr_pool_t *pool;

	apr_pool_create(&pool, root);
	kg_conf_mapping_defaults(pool, &conf);
	if (kg_mapper_file_parse(pool, "fuzz.json", (const char *)data, size,
				 &set, NULL, &err) == KG_OK) {
		for (size_t i = 0; i < set->nmappers; i++) {
			kg_err_clear(&err);
			kg_map_apply(pool, set, &conf, set->mappers[i].alias,
				     &in, NULL, &res, &err);
		}
	}
	apr_pool_destroy(pool);
	return 0;
}
