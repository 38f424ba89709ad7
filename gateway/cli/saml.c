/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate saml metadata`, the service provider's metadata
 * for an IdP admin, printed from the gateway's settings without a running
 * server.
 */
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "gateway/flow/gateway.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char saml_usage[] =
	"usage: keygate saml metadata --alias ALIAS --config FILE\n"
	"\n"
	"Prints the SAML service provider metadata of identity provider\n"
	"ALIAS (an EntityDescriptor: entity ID, ACS, SLO, certificate, NameID\n"
	"format), exactly as the gateway serves it at\n"
	"PREFIX saml/ALIAS/metadata. FILE holds the gateway's Keygate*\n"
	"directives: KeygateBaseURL, KeygateSAMLProvider, KeygateSAMLSPKey,\n"
	"KeygateSAMLSPCert, and KeygateSAMLKeycloakPaths when used.\n"
	"Exit status: 0 printed, 1 bad input, 2 usage error.\n";

int kg_cli_saml(int argc, char **argv)
{
	static const struct option options[] = {
		{"alias", required_argument, NULL, 'a'},
		{"config", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *alias = NULL, *config = NULL, *xml;
	apr_pool_t *pool;
	kg_conf *conf;
	kg_err err = {0};
	int opt, rc;

	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(saml_usage, stdout);
		return KG_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "metadata") != 0)
		return kg_cli_usage_error("saml",
					  "the only action is metadata");
	opterr = 0;
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			alias = optarg;
			break;
		case 'f':
			config = optarg;
			break;
		case 'h':
			fputs(saml_usage, stdout);
			return KG_EXIT_OK;
		default:
			return kg_cli_usage_error(
				"saml", "unknown or incomplete option");
		}
	}
	if (optind < argc || alias == NULL || config == NULL)
		return kg_cli_usage_error("saml",
					  "--alias and --config are required");
	apr_pool_create(&pool, NULL);
	rc = kg_cli_load_conf(pool, config, &conf, &err) == KG_OK &&
			     kg_gateway_saml_metadata(pool, conf, alias, &xml,
						      &err) == KG_OK
		     ? KG_EXIT_OK
		     : kg_cli_fail(&err);
	if (rc == KG_EXIT_OK)
		fputs(xml, stdout);
	apr_pool_destroy(pool);
	return rc;
}
