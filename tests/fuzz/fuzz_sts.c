/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: AWS STS's XML answer as it arrives from the
 * network, through kg_sts_parse: libxml2's parse (no DTD, no network),
 * the ErrorResponse shape and its code's class, the success shape of
 * AssumeRoleWithSAML and AssumeRole, the credential fields and the
 * Expiration. The input is the HTTP body; it is read as the answer to
 * each action with status 200, and to AssumeRoleWithSAML with 403.
 */
#include "gateway/proto/aws/sts.h"

#include <apr_general.h>
#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	apr_initialize();
	atexit(apr_terminate);
	apr_pool_create(&root, NULL);
	xmlInitParser();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		const char *action;
		int status;
	} calls[] = {
		{"AssumeRoleWithSAML", 200},
		{"AssumeRole", 200},
		{"AssumeRoleWithSAML", 403},
	};
	apr_pool_t *pool;

	if (size > 256 * 1024)
		return 0;
	apr_pool_create(&pool, root);
	for (size_t i = 0; i < sizeof(calls) / sizeof(*calls); i++) {
		kg_sts_creds creds;
		kg_sts_outcome oc = {0};
		kg_err err = {0};
		kg_rc rc = kg_sts_parse(pool, calls[i].action, calls[i].status,
					(const char *)data, size, &creds, &oc,
					&err);
		/* the contract: KG_OK only with all four credential parts,
		 * and a failure always names a code */
		if (rc == KG_OK &&
		    (!creds.keys.access_key || !creds.keys.secret_key ||
		     !creds.keys.session_token || oc.code != NULL))
			abort();
		if (rc != KG_OK && oc.code == NULL)
			abort();
	}
	apr_pool_destroy(pool);
	return 0;
}
