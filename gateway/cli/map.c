/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate map`, the dry run an admin uses instead of a SAML
 * tracer: what do the mappers make of this login?
 */
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "conf/read.h"
#include "gateway/flow/core/admit.h"
#include "gateway/proto/saml/saml.h"
#include "gateway/proto/saml/assertion.h"

#include <apr_strings.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char map_usage[] =
	"usage: keygate map --mappers FILE --alias ALIAS\n"
	"                   (--saml-response FILE | --claims FILE)\n"
	"                   [--user FILE] [--config FILE] [--pretty]\n"
	"                   [--idp-metadata FILE]\n"
	"\n"
	"Runs the mappers of identity provider ALIAS over one captured login\n"
	"and prints the Domino user it produces, as one JSON object:\n"
	"  username, email, firstName, lastName, attributes, roles,\n"
	"  organizations, aws {roles, sessionName, sessionDuration},\n"
	"  allowed, denyReason, warnings, verified.\n"
	"\n"
	"  --mappers FILE        mapper file (Keycloak realm-export JSON);\n"
	"                        defaults to KeygateMappers of --config\n"
	"  --alias ALIAS         identityProviderAlias to map for\n"
	"  --saml-response FILE  a SAML Response as a SAML tracer shows it:\n"
	"                        raw XML or base64 (line breaks allowed)\n"
	"  --claims FILE         a JSON object of OIDC claims\n"
	"  --user FILE           the stored user from an earlier login (the\n"
	"                        JSON this command prints); makes this a\n"
	"                        re-login, so sync modes apply\n"
	"  --config FILE         gateway settings (Keygate* directives): role\n"
	"                        list, default role, gate, attribute names\n"
	"  --pretty              indent the JSON\n"
	"  --idp-metadata FILE   the IdP's SAML metadata: check the "
	"Response's\n"
	"                        signatures with its signing keys and its\n"
	"                        Issuer; \"verified\" is then true, or false\n"
	"                        with \"verifyReason\" (times, audience and\n"
	"                        recipient are not checked: a capture is old)\n"
	"\n"
	"Without --idp-metadata signatures are not checked "
	"(\"verified\": false).\n"
	"Exit status: 0 mapped (allowed or not), 1 bad input, 2 usage "
	"error.\n";

typedef struct {
	const char *mappers, *alias, *saml, *claims, *user, *config;
	const char *idp_metadata;
	bool pretty;
} map_args;

/* The signature check's verdict. */
typedef struct {
	bool verified;
	const char *reason; /* NULL when not checked or verified */
} map_verdict;

static int parse_args(int argc, char **argv, map_args *a)
{
	static const struct option options[] = {
		{"mappers", required_argument, NULL, 'm'},
		{"alias", required_argument, NULL, 'a'},
		{"saml-response", required_argument, NULL, 's'},
		{"claims", required_argument, NULL, 'c'},
		{"user", required_argument, NULL, 'u'},
		{"config", required_argument, NULL, 'f'},
		{"pretty", no_argument, NULL, 'p'},
		{"idp-metadata", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char msg[160];
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'm':
			a->mappers = optarg;
			break;
		case 'a':
			a->alias = optarg;
			break;
		case 's':
			a->saml = optarg;
			break;
		case 'c':
			a->claims = optarg;
			break;
		case 'u':
			a->user = optarg;
			break;
		case 'f':
			a->config = optarg;
			break;
		case 'p':
			a->pretty = true;
			break;
		case 'i':
			a->idp_metadata = optarg;
			break;
		case 'h':
			fputs(map_usage, stdout);
			return KG_EXIT_OK;
		default:
			snprintf(msg, sizeof(msg),
				 "unknown or incomplete option \"%s\"",
				 argv[optind - 1]);
			return kg_cli_usage_error("map", msg);
		}
	}
	if (optind < argc)
		return kg_cli_usage_error("map", "unexpected argument");
	if (a->alias == NULL)
		return kg_cli_usage_error("map", "--alias is required");
	if ((a->saml == NULL) == (a->claims == NULL))
		return kg_cli_usage_error(
			"map",
			"give exactly one of --saml-response and --claims");
	if (a->idp_metadata && a->saml == NULL)
		return kg_cli_usage_error(
			"map", "--idp-metadata checks a --saml-response");
	return -1;
}

/* Reads the login input named on the command line. */
static kg_rc load_input(apr_pool_t *pool, const map_args *a, kg_map_input *in,
			kg_err *err)
{
	const char *text, *xml;
	size_t len, xml_len;
	kg_assertion *assertion;
	kg_json *claims;

	if (a->claims) {
		if (kg_cli_load_json_object(pool, a->claims, &claims, err))
			return KG_EINVAL;
		in->proto = KG_PROTO_OIDC;
		in->claims = claims;
		return KG_OK;
	}
	if (kg_conf_read_file(pool, a->saml, KG_SAML_MAX_BYTES * 2, &text, &len,
			      err) ||
	    kg_saml_response_decode(pool, text, len, &xml, &xml_len, err) ||
	    kg_saml_assertion_parse(pool, xml, xml_len, &assertion, err)) {
		if (strncmp(err->msg, a->saml, strlen(a->saml)) != 0) {
			char msg[KG_ERR_MSG_MAX];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			kg_err_clear(err);
			kg_err_set(err, KG_EINVAL, "%s: %s", a->saml, msg);
		}
		return KG_EINVAL;
	}
	in->proto = KG_PROTO_SAML;
	in->saml = assertion;
	return KG_OK;
}

static kg_rc load_stored_user(apr_pool_t *pool, const char *path, kg_user **out,
			      kg_err *err)
{
	kg_json *root;
	kg_err inner = {0};

	if (kg_cli_load_json_object(pool, path, &root, err))
		return KG_EINVAL;
	if (kg_user_from_json(pool, root, out, &inner) != KG_OK)
		return kg_err_set(err, KG_EINVAL, "%s:%s", path, inner.msg);
	return KG_OK;
}

/* Refuses an alias the file does not know, or a provider of the other
 * protocol. */
static kg_rc check_alias(const kg_mapper_set *set, const char *alias,
			 kg_proto proto, kg_err *err)
{
	const kg_idp *idp = kg_mapper_set_idp(set, alias);
	bool has_mapper = false;

	for (size_t i = 0; i < set->nmappers; i++)
		has_mapper |= strcmp(set->mappers[i].alias, alias) == 0;
	if (idp == NULL && !has_mapper)
		return kg_err_set(err, KG_EINVAL,
				  "%s: no identity provider or mapper has "
				  "alias \"%s\"",
				  set->path, alias);
	if (idp && idp->proto != proto)
		return kg_err_set(err, KG_EINVAL,
				  "%s: provider \"%s\" is %s, but the input "
				  "is %s",
				  set->path, alias,
				  idp->proto == KG_PROTO_SAML ? "SAML" : "OIDC",
				  proto == KG_PROTO_SAML ? "a SAML Response"
							 : "OIDC claims");
	return KG_OK;
}

/* With --idp-metadata: checks the captured Response's signatures. A
 * Response that does not verify is a verdict, not an error; metadata that
 * does not load is. */
static kg_rc verify_input(apr_pool_t *pool, const map_args *a, map_verdict *v,
			  kg_err *err)
{
	const char *metadata, *response, *reason = NULL;
	size_t len;
	kg_err why = {0};
	kg_rc rc;

	if (a->idp_metadata == NULL)
		return KG_OK;
	if (kg_conf_read_file(pool, a->idp_metadata, 1 << 22, &metadata, &len,
			      err) != KG_OK ||
	    kg_conf_read_file(pool, a->saml, KG_SAML_MAX_BYTES * 2, &response,
			      &len, err) != KG_OK)
		return KG_EINVAL;
	rc = kg_saml_verify_captured(pool, metadata, response, &reason, &why);
	if (rc == KG_ECONFIG)
		return kg_err_set(err, KG_EINVAL, "%s: %s", a->idp_metadata,
				  why.msg);
	v->verified = rc == KG_OK;
	if (!v->verified)
		v->reason = kg_psprintf(pool, "%s: %s", reason, why.msg);
	return KG_OK;
}

static void write_outcome(apr_pool_t *pool, const kg_admit_outcome *o,
			  const map_verdict *v, bool pretty)
{
	kg_buf b;
	kg_json *parsed;
	kg_json_error e;

	kg_buf_init(&b, pool, 1024);
	kg_buf_addc(&b, '{');
	kg_user_write_json(&b, o->user);
	kg_buf_addf(&b, ",\"allowed\":%s,\"denyReason\":",
		    o->allowed ? "true" : "false");
	if (o->deny_reason)
		kg_buf_add_json_string(&b, o->deny_reason);
	else
		kg_buf_adds(&b, "null");
	kg_buf_adds(&b, ",\"warnings\":[");
	for (int i = 0; i < o->warnings->nelts; i++) {
		if (i > 0)
			kg_buf_addc(&b, ',');
		kg_buf_add_json_string(
			&b, APR_ARRAY_IDX(o->warnings, i, const char *));
	}
	kg_buf_addf(&b, "],\"verified\":%s", v->verified ? "true" : "false");
	if (v->reason) {
		kg_buf_adds(&b, ",\"verifyReason\":");
		kg_buf_add_json_string(&b, v->reason);
	}
	kg_buf_addc(&b, '}');
	if (pretty && kg_json_parse(pool, b.data, b.len, KG_JSON_DEFAULT_DEPTH,
				    &parsed, &e)) {
		kg_buf_init(&b, pool, 2048);
		kg_json_write_pretty(&b, parsed);
	}
	fwrite(b.data, 1, b.len, stdout);
	fputc('\n', stdout);
}

int kg_cli_map(int argc, char **argv)
{
	map_args a = {0};
	apr_pool_t *pool;
	kg_err err = {0};
	kg_conf *conf;
	kg_mapper_set *set;
	kg_map_input in = {0};
	kg_user *stored = NULL;
	kg_admit_outcome outcome;
	map_verdict verdict = {false, NULL};
	int rc = parse_args(argc, argv, &a);

	if (rc >= 0)
		return rc;
	apr_pool_create(&pool, NULL);
	rc = KG_EXIT_INPUT;
	if (kg_cli_load_conf(pool, a.config, &conf, &err))
		goto out_fail;
	if (a.mappers == NULL)
		a.mappers = conf->mapping.mapper_file;
	if (a.mappers == NULL) {
		rc = kg_cli_usage_error("map", "--mappers is required (or "
					       "KeygateMappers in --config)");
		goto out;
	}
	if (kg_mapper_file_load(pool, a.mappers, &set, NULL, &err) ||
	    load_input(pool, &a, &in, &err) ||
	    verify_input(pool, &a, &verdict, &err) ||
	    check_alias(set, a.alias, in.proto, &err) ||
	    (a.user && load_stored_user(pool, a.user, &stored, &err)) ||
	    kg_admit_map(pool, set, &conf->mapping, a.alias, &in, stored,
			 &outcome, &err))
		goto out_fail;
	write_outcome(pool, &outcome, &verdict, a.pretty);
	rc = KG_EXIT_OK;
	goto out;
out_fail:
	rc = kg_cli_fail(&err);
out:
	apr_pool_destroy(pool);
	return rc;
}
