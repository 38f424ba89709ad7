/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: SAML Response decoding (base64 or XML) and the
 * attribute extraction the ACS and `keygate map` share.
 */
#include "gateway/proto/saml/assertion.h"

#include <apr_general.h>
#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *root;

static void cleanup(void)
{
	apr_terminate();
	xmlCleanupParser();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	apr_initialize();
	xmlInitParser();
	atexit(cleanup);
	apr_pool_create(&root, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	const char *xml;
	size_t len;
	kg_assertion *a;
	kg_err err = {0};

	apr_pool_create(&pool, root);
	if (kg_saml_response_decode(pool, (const char *)data, size, &xml, &len,
				    &err) == KG_OK)
		kg_saml_assertion_parse(pool, xml, len, &a, &err);
	apr_pool_destroy(pool);
	return 0;
}
