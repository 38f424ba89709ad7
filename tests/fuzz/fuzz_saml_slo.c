/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: what the SAML endpoints read before any signature
 * is checked: the request path routed to a SAML endpoint (Keycloak's
 * broker paths on), and the POSTed SAMLResponse told apart as login or
 * LogoutResponse.
 */
#include "conf/saml_urls.h"
#include "gateway/proto/saml/slo_check.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *root;

static void cleanup(void)
{
	apr_terminate();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	apr_initialize();
	atexit(cleanup);
	apr_pool_create(&root, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	kg_conf *conf;
	const char *text, *alias;

	apr_pool_create(&pool, root);
	conf = kg_conf_make(pool);
	conf->gateway.base_url = "https://gw.example";
	conf->saml.keycloak_realm = "DominoRealm";
	text = apr_pstrmemdup(pool, (const char *)data, size);
	kg_conf_saml_route(pool, conf, text, &alias);
	kg_conf_saml_is_broker_path(conf, text);
	kg_saml_is_logout_response(pool, text);
	apr_pool_destroy(pool);
	return 0;
}
