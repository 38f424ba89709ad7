/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate aws credential-process`, for an AWS SDK's
 * credential_process setting: asks a gateway for the caller's
 * credentials (PREFIX aws/credentials?format=process) and prints the
 * JSON the SDK reads. SDKs run it again before Expiration, so long jobs
 * keep working across refreshes (botocore never re-reads a credentials
 * file).
 */
#include "gateway/base/json.h"
#include "gateway/base/str.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "gateway/proto/aws/http.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char aws_usage[] =
	"usage: keygate aws credential-process --url URL\n"
	"           (--token-file FILE | --cookie-file FILE)\n"
	"           [--profile NAME] [--ca-file FILE] [--timeout SECONDS]\n"
	"\n"
	"Prints the AWS credential_process JSON (Version 1, with Expiration)\n"
	"of one profile, fetched from the gateway's credentials endpoint URL\n"
	"(such as https://domino.example.com/keygate/aws/credentials).\n"
	"--token-file holds a bearer token (read on every run, so a rotated\n"
	"token is picked up); --cookie-file holds a Cookie header value.\n"
	"--profile picks a role's profile (default: [default]). In\n"
	"~/.aws/config:\n"
	"  [profile analyst]\n"
	"  credential_process = keygate aws credential-process --url URL \\\n"
	"      --token-file /var/run/secrets/token --profile Analyst\n"
	"Exit status: 0 printed, 1 no credentials or no answer, 2 usage.\n";

/* The trimmed first line of file path, in pool; NULL when unreadable or
 * empty. */
static const char *read_secret(apr_pool_t *pool, const char *path)
{
	apr_file_t *f;
	char line[8192] = "";
	const char *v;

	if (apr_file_open(&f, path, APR_FOPEN_READ, 0, pool) != APR_SUCCESS)
		return NULL;
	apr_file_gets(line, sizeof(line), f);
	apr_file_close(f);
	v = kg_str_trim(pool, line);
	return *v ? v : NULL;
}

typedef struct {
	const char *url, *token_file, *cookie_file, *profile, *ca_file;
	long long timeout_s;
} aws_args;

/* Asks the gateway; prints the JSON when it is credential_process's. */
static int fetch(apr_pool_t *pool, const aws_args *a)
{
	kg_aws_http_opts opts = {.timeout_s = a->timeout_s,
				 .ca_file = a->ca_file};
	const char *secret = read_secret(pool, a->token_file ? a->token_file
							     : a->cookie_file);
	kg_sigv4_header h = {a->token_file ? "Authorization" : "Cookie", NULL};
	const char *url = apr_pstrcat(
		pool, a->url, strchr(a->url, '?') ? "&" : "?", "format=process",
		a->profile ? "&profile=" : "",
		a->profile ? kg_str_url_encode(pool, a->profile) : "", NULL);
	kg_aws_http_reply reply = {0};
	kg_json *doc;
	kg_json_error je;
	const kg_json *version, *key;
	kg_err err = {0};

	if (secret == NULL) {
		kg_err_set(&err, KG_EINVAL, "%s: unreadable or empty",
			   a->token_file ? a->token_file : a->cookie_file);
		return kg_cli_fail(&err);
	}
	h.value = a->token_file ? apr_pstrcat(pool, "Bearer ", secret, NULL)
				: secret;
	if (kg_aws_http_get(pool, &opts, url, &h, 1, &reply, &err) != KG_OK)
		return kg_cli_fail(&err);
	if (reply.status != 200) {
		kg_err_set(&err, KG_EINVAL,
			   "the gateway answered %d: no credentials for this "
			   "caller%s",
			   reply.status, a->profile ? " and profile" : "");
		return kg_cli_fail(&err);
	}
	if (!kg_json_parse(pool, reply.body, reply.len, 4, &doc, &je) ||
	    (version = kg_json_get(doc, "Version")) == NULL ||
	    version->type != KG_JSON_NUMBER || strcmp(version->str, "1") != 0 ||
	    (key = kg_json_get(doc, "AccessKeyId")) == NULL ||
	    key->type != KG_JSON_STRING) {
		kg_err_set(&err, KG_EINVAL,
			   "the gateway's answer is not "
			   "credential_process JSON");
		return kg_cli_fail(&err);
	}
	fwrite(reply.body, 1, reply.len, stdout);
	return KG_EXIT_OK;
}

int kg_cli_aws(int argc, char **argv)
{
	static const struct option options[] = {
		{"url", required_argument, NULL, 'u'},
		{"token-file", required_argument, NULL, 't'},
		{"cookie-file", required_argument, NULL, 'c'},
		{"profile", required_argument, NULL, 'p'},
		{"ca-file", required_argument, NULL, 'a'},
		{"timeout", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	aws_args a = {.timeout_s = 10};
	apr_pool_t *pool;
	int opt, rc;

	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(aws_usage, stdout);
		return KG_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "credential-process") != 0)
		return kg_cli_usage_error(
			"aws", "the only action is credential-process");
	opterr = 0;
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'u':
			a.url = optarg;
			break;
		case 't':
			a.token_file = optarg;
			break;
		case 'c':
			a.cookie_file = optarg;
			break;
		case 'p':
			a.profile = optarg;
			break;
		case 'a':
			a.ca_file = optarg;
			break;
		case 'T':
			if (!kg_str_to_int(optarg, 1, 120, &a.timeout_s))
				return kg_cli_usage_error(
					"aws", "--timeout must be 1 to 120");
			break;
		case 'h':
			fputs(aws_usage, stdout);
			return KG_EXIT_OK;
		default:
			return kg_cli_usage_error(
				"aws", "unknown or incomplete option");
		}
	}
	if (optind < argc || a.url == NULL ||
	    (a.token_file == NULL) == (a.cookie_file == NULL))
		return kg_cli_usage_error("aws",
					  "--url and one of --token-file or "
					  "--cookie-file are required");
	if (strncmp(a.url, "https://", 8) != 0 &&
	    strncmp(a.url, "http://127.0.0.1", 16) != 0 &&
	    strncmp(a.url, "http://localhost", 16) != 0)
		return kg_cli_usage_error(
			"aws", "--url must be https:// (http:// only "
			       "to a loopback host)");
	apr_pool_create(&pool, NULL);
	rc = fetch(pool, &a);
	apr_pool_destroy(pool);
	return rc;
}
