/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate tokens revoke` and `keygate accounts
 * deactivate|reactivate`: what every gateway checks each bearer request
 * against (sessions/revocation.h).
 */
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "gateway/base/str.h"
#include "sessions/revocation.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char tokens_usage[] =
	"usage: keygate tokens revoke --config FILE --jti ID [--exp EPOCH]\n"
	"       keygate tokens revoke --config FILE --name NAME [--ttl "
	"SECONDS]\n"
	"\n"
	"Revokes a bearer token by its jti (until EPOCH, its exp; default for\n"
	"ever) or every token whose KeygateTokenNameClaim is NAME. Gateways\n"
	"refuse it within KeygateRevocationCheckInterval seconds.\n"
	"Exit status: 0 done, 1 failed (Redis unreachable), 2 usage error.\n";

static const char accounts_usage[] =
	"usage: keygate accounts deactivate|reactivate --config FILE\n"
	"                        --issuer ISSUER SUBJECT\n"
	"\n"
	"Deactivates (or reactivates) a service account: every bearer token\n"
	"with this issuer and sub is refused, whatever its expiry.\n"
	"Exit status: 0 done, 1 failed (Redis unreachable), 2 usage error.\n";

typedef struct {
	const char *config, *jti, *name, *issuer;
	long long exp, ttl;
	bool reactivate;
} options;

/* Parses the options after the subcommand; returns a usage message or
 * NULL. */
static const char *parse(int argc, char **argv, options *o)
{
	static const struct option table[] = {
		{"config", required_argument, NULL, 'c'},
		{"jti", required_argument, NULL, 'j'},
		{"name", required_argument, NULL, 'n'},
		{"issuer", required_argument, NULL, 'i'},
		{"exp", required_argument, NULL, 'e'},
		{"ttl", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	opterr = 0;
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", table, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o->config = optarg;
			break;
		case 'j':
			o->jti = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'i':
			o->issuer = optarg;
			break;
		case 'e':
			if (!kg_str_to_int(optarg, 1, 1LL << 40, &o->exp))
				return "--exp takes a Unix time";
			break;
		case 't':
			if (!kg_str_to_int(optarg, 1, 1LL << 40, &o->ttl))
				return "--ttl takes a number of seconds";
			break;
		default:
			return "unknown or incomplete option";
		}
	}
	return o->config ? NULL : "--config is required";
}

/* Opens the store of --config and runs fn on it. */
static int with_store(const char *command, const options *o,
		      kg_rc (*fn)(kg_sess_store *, apr_pool_t *,
				  const options *, kg_err *))
{
	apr_pool_t *pool;
	kg_sess_store *store;
	kg_conf *conf;
	kg_err err = {0};
	int exit_code = KG_EXIT_OK;

	apr_pool_create(&pool, NULL);
	if (kg_cli_load_conf(pool, o->config, &conf, &err) != KG_OK ||
	    kg_sess_store_open(pool, &conf->sessions, NULL, &store, &err) !=
		    KG_OK ||
	    fn(store, pool, o, &err) != KG_OK)
		exit_code = kg_cli_fail(&err);
	else
		printf("%s: done\n", command);
	apr_pool_destroy(pool);
	return exit_code;
}

static kg_rc revoke_token(kg_sess_store *s, apr_pool_t *pool, const options *o,
			  kg_err *err)
{
	return o->jti ? kg_sess_revoke_jti(s, pool, o->jti, o->exp, err)
		      : kg_sess_revoke_name(s, pool, o->name, o->ttl, err);
}

int kg_cli_tokens(int argc, char **argv)
{
	options o = {0};
	const char *msg;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(tokens_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? KG_EXIT_USAGE : KG_EXIT_OK;
	}
	if (strcmp(argv[1], "revoke") != 0)
		return kg_cli_usage_error("tokens", "the subcommand is revoke");
	if ((msg = parse(argc, argv, &o)) != NULL)
		return kg_cli_usage_error("tokens", msg);
	if ((o.jti == NULL) == (o.name == NULL))
		return kg_cli_usage_error("tokens",
					  "give exactly one of --jti, --name");
	return with_store("tokens revoke", &o, revoke_token);
}

static kg_rc set_account(kg_sess_store *s, apr_pool_t *pool, const options *o,
			 kg_err *err)
{
	return kg_sess_account_set(s, pool, o->issuer, o->name, o->reactivate,
				   err);
}

int kg_cli_accounts(int argc, char **argv)
{
	options o = {0};
	const char *msg;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(accounts_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? KG_EXIT_USAGE : KG_EXIT_OK;
	}
	if (strcmp(argv[1], "deactivate") != 0 &&
	    strcmp(argv[1], "reactivate") != 0)
		return kg_cli_usage_error(
			"accounts",
			"the subcommand is deactivate or reactivate");
	o.reactivate = strcmp(argv[1], "reactivate") == 0;
	if ((msg = parse(argc, argv, &o)) != NULL)
		return kg_cli_usage_error("accounts", msg);
	if (optind != argc - 1)
		return kg_cli_usage_error("accounts", "expected one SUBJECT");
	if (o.issuer == NULL)
		return kg_cli_usage_error(
			"accounts", "--issuer is required (the token's iss)");
	o.name = argv[optind];
	return with_store(o.reactivate ? "accounts reactivate"
				       : "accounts deactivate",
			  &o, set_account);
}
