/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: the whole ACS check of a SAMLResponse,
 * kg_saml_acs: base64, the strict parse (no DTD, XInclude or schema
 * location), the signature shapes, the ID and assertion scan, the times,
 * the Response checks, lasso's verification and decryption, and the
 * assertion checks, then kg_saml_answers (InResponseTo), in a fixed world
 * (tests/fuzz/saml_acs: the SP's key and certificate, the IdP's metadata,
 * made by seeds.py with the seed corpus). The input is the Response's XML;
 * the target base64-encodes it as the form value would carry it. The
 * clock is fixed ten seconds after the seeds were signed, so a seed passes
 * every check and mutations reach each one. Run from the repository top.
 */
#include "gateway/proto/saml/saml.h"

#include <apr_base64.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIR "tests/fuzz/saml_acs/"
#define NOW_MS 1795604056000LL /* 2026-11-25T10:54:16Z */
#define REQUEST_ID "_kgfuzzrequest"

static apr_pool_t *root;
static kg_saml *saml;

static kg_rc acs(const char *xml, size_t size, const char **reason);

static const char *slurp(const char *path)
{
	apr_file_t *f;
	apr_finfo_t info;
	char *text;
	apr_size_t n;

	if (apr_file_open(&f, path, APR_FOPEN_READ, 0, root) != APR_SUCCESS ||
	    apr_file_info_get(&info, APR_FINFO_SIZE, f) != APR_SUCCESS) {
		fprintf(stderr, "fuzz_saml_acs: cannot read %s\n", path);
		exit(1);
	}
	n = (apr_size_t)info.size;
	text = apr_palloc(root, n + 1);
	apr_file_read_full(f, text, n, &n);
	text[n] = '\0';
	apr_file_close(f);
	return text;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static kg_conf_saml conf;
	kg_saml_sp sp = {
		.alias = "corp",
		.entity_id = "https://sp.example/keygate/saml/corp/metadata",
		.acs_url = "https://sp.example/keygate/saml/corp/acs",
		.slo_url = "https://sp.example/keygate/saml/corp/slo",
	};
	kg_err err = {0};
	const char *seed, *reason;

	apr_initialize();
	atexit(apr_terminate);
	apr_pool_create(&root, NULL);
	kg_conf_saml_defaults(root, &conf);
	sp.idp_metadata = slurp(DIR "idp-metadata.xml");
	sp.sp_key_pem = slurp(DIR "sp.key");
	sp.sp_cert_pem = slurp(DIR "sp.crt");
	if (kg_saml_open(root, &conf, &sp, &saml, &err) != KG_OK) {
		fprintf(stderr, "fuzz_saml_acs: %s\n", err.msg);
		exit(1);
	}
	/* the signed seed passes every check, or the fixed world is stale */
	seed = slurp("tests/fuzz/corpus/saml_acs/response.xml");
	if (acs(seed, strlen(seed), &reason) != KG_OK) {
		fprintf(stderr, "fuzz_saml_acs: the seed is refused: %s\n",
			reason);
		exit(1);
	}
	return 0;
}

/* The ACS on the XML text of a Response; *reason for a refusal. */
static kg_rc acs(const char *xml, size_t size, const char **reason)
{
	apr_pool_t *pool;
	char *b64;
	kg_saml_verified v;
	kg_err err = {0};
	kg_rc rc;

	apr_pool_create(&pool, root);
	b64 = apr_palloc(pool, (apr_size_t)apr_base64_encode_len((int)size));
	apr_base64_encode(b64, xml, (int)size);
	rc = kg_saml_acs(saml, pool, NULL, b64, NOW_MS, &v, reason, &err);
	if (rc == KG_OK)
		rc = kg_saml_answers(&v, REQUEST_ID, false, NULL, reason, &err);
	apr_pool_destroy(pool);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *reason;

	if (size <= 256 * 1024)
		acs((const char *)data, size, &reason);
	return 0;
}
