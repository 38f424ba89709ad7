/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: a session record as read back from Redis, through
 * kg_sess_record_unseal with a fixed session secret and id (AES-256-GCM
 * open, then the decoder), and the plaintext decoder itself,
 * kg_sess_record_decode (compact versions 4, 3 and 2, JSON version 1), which
 * only an opened record reaches. A record that decodes must pack (what the
 * next save writes) into a form that decodes to the same record, or the
 * session would be lost at its next touch.
 *
 * KG_FUZZ_WRITE_SEEDS=DIR makes the initialisation write the seeds of
 * tests/fuzz/corpus/session_record into DIR (a record sealed by
 * kg_sess_record_seal, its plaintexts in each version, and broken
 * variants) and exit.
 */
#include "sessions/record.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "keygate-fuzz-session-secret-of-32-bytes-at-least"
#define ID "4f1c2a9e0b7d6c5e8a3f2b1c0d9e8f7a"

static apr_pool_t *root;
static kg_sess_keys keys;

static void write_seed(const char *dir, const char *name, const void *data,
		       size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "fuzz_session_record: cannot write %s\n", path);
		exit(1);
	}
}

static void write_text(const char *dir, const char *name, const char *text)
{
	write_seed(dir, name, text, strlen(text));
}

/* A record as an OIDC login makes it. */
static kg_sess_record *sample(apr_pool_t *pool)
{
	kg_sess_record *rec = kg_sess_record_make(pool);
	kg_aws_role *role;

	memcpy(rec->id, ID, sizeof(rec->id));
	rec->user->username = "jdoe";
	rec->user->email = "jdoe@example.com";
	rec->user->first_name = "Jane";
	rec->user->last_name = "Doe";
	kg_bag_add(rec->user->attributes, "department", "R&D");
	kg_bag_add(rec->user->attributes, "groups", "/staff");
	kg_bag_add(rec->user->attributes, "groups", "/staff/finance");
	APR_ARRAY_PUSH(rec->user->roles, const char *) = "Practitioner";
	APR_ARRAY_PUSH(rec->user->organizations, const char *) = "ACME";
	role = apr_array_push(rec->user->aws_roles);
	role->principal = "arn:aws:iam::123456789012:saml-provider/keygate";
	role->role = "arn:aws:iam::123456789012:role/ReadOnly";
	rec->user->aws_session_name = "jdoe";
	rec->user->aws_session_duration = 3600;
	rec->idp = "corp";
	rec->protocol = "oidc";
	rec->flow = KG_FLOW_BROWSER;
	rec->auth_ms = 1795604000000LL;
	rec->last_access_ms = 1795604056000LL;
	rec->idle_ms = 1800000;
	rec->expires_ms = 1795604000000LL + 5184000000LL;
	rec->state.oidc_id_token =
		"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqZG9lIn0.c2ln";
	rec->state.oidc_access_token = "at-0123456789";
	rec->state.oidc_refresh_token = "rt-0123456789";
	rec->state.oidc_access_expires = "1795604356000";
	kg_sess_record_set_client(rec, pool, "198.51.100.7",
				  "Mozilla/5.0 (X11; Linux x86_64)");
	return rec;
}

static void write_seeds(const char *dir)
{
	apr_pool_t *pool;
	kg_sess_record *rec;
	unsigned char *sealed;
	size_t len;
	kg_buf b;
	kg_err err = {0};

	apr_pool_create(&pool, root);
	rec = sample(pool);
	if (kg_sess_record_seal(pool, &keys, rec, 65536, &sealed, &len, &err) !=
	    KG_OK) {
		fprintf(stderr, "fuzz_session_record: %s\n", err.msg);
		exit(1);
	}
	write_seed(dir, "sealed-valid", sealed, len);
	write_seed(dir, "sealed-truncated", sealed, len - 1);
	sealed[len / 2] ^= 0x01;
	write_seed(dir, "sealed-flipped", sealed, len);
	kg_buf_init(&b, pool, 1024);
	kg_sess_record_pack(&b, rec);
	write_seed(dir, "packed-v4", b.data, b.len);
	write_seed(dir, "packed-v4-truncated", b.data, b.len - 3);
	kg_buf_addc(&b, 'x');
	write_seed(dir, "packed-v4-trailing", b.data, b.len);
	/* version 3: the same without the client (two empty opt strs) */
	kg_sess_record_set_client(rec, pool, NULL, NULL);
	kg_buf_init(&b, pool, 1024);
	kg_sess_record_pack(&b, rec);
	b.data[0] = 0x03;
	write_seed(dir, "packed-v3", b.data, b.len - 2);
	write_seed(dir, "packed-v3-truncated", b.data, b.len - 5);
	/* version 2: without the ninth state (oidcAccessExpires) either */
	rec->state.oidc_access_expires = NULL;
	kg_buf_init(&b, pool, 1024);
	kg_sess_record_pack(&b, rec);
	b.data[0] = 0x02;
	write_seed(dir, "packed-v2", b.data, b.len - 3);
	/* an attribute count larger than the bytes left */
	static const char huge[] = "\x03\x00\x01\x01\x01\x01"
				   "\x01"
				   "a\x01"
				   "b\x00\x00\x00\x00"
				   "\xff\xff\xff\xff\x0f";
	write_seed(dir, "packed-v3-huge-count", huge, sizeof(huge) - 1);
	kg_buf_init(&b, pool, 1024);
	kg_sess_record_encode(&b, rec);
	write_seed(dir, "json-v1", b.data, b.len);
	write_text(dir, "json-v2-version", "{\"v\":2}");
	write_text(
		dir, "json-bad-flow",
		"{\"v\":1,\"user\":{},\"idp\":\"corp\",\"protocol\":\"saml\","
		"\"flow\":\"teleport\",\"authTime\":1,\"lastAccess\":1,"
		"\"idle\":0,\"expires\":2,\"state\":{}}");
	apr_pool_destroy(pool);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	kg_conf_sessions conf;
	const char *seeds = getenv("KG_FUZZ_WRITE_SEEDS");
	kg_err err = {0};

	apr_initialize();
	atexit(apr_terminate);
	apr_pool_create(&root, NULL);
	kg_conf_sessions_defaults(root, &conf);
	conf.secret.bytes = (const unsigned char *)SECRET;
	conf.secret.len = strlen(SECRET);
	if (kg_sess_keys_derive(&conf, &keys, &err) != KG_OK) {
		fprintf(stderr, "fuzz_session_record: %s\n", err.msg);
		exit(1);
	}
	if (seeds) {
		write_seeds(seeds);
		exit(0);
	}
	return 0;
}

/* The compact form of rec, in pool. */
static kg_buf packed(apr_pool_t *pool, const kg_sess_record *rec)
{
	kg_buf b;

	kg_buf_init(&b, pool, 1024);
	kg_sess_record_pack(&b, rec);
	return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	kg_sess_record *rec, *again;
	kg_buf first, second;
	kg_err err = {0};

	if (size > 256 * 1024)
		return 0;
	apr_pool_create(&pool, root);
	/* the input as the sealed bytes stored under ID */
	kg_sess_record_unseal(pool, &keys, ID, data, size, &rec, &err);
	/* the input as the plaintext of an opened record */
	kg_err_clear(&err);
	if (kg_sess_record_decode(pool, (const char *)data, size, &rec, &err) ==
	    KG_OK) {
		first = packed(pool, rec);
		kg_err_clear(&err);
		if (kg_sess_record_decode(pool, first.data, first.len, &again,
					  &err) != KG_OK) {
			fprintf(stderr,
				"a decoded record packs into a form "
				"that does not decode: %s\n",
				err.msg);
			abort();
		}
		second = packed(pool, again);
		if (second.len != first.len ||
		    memcmp(second.data, first.data, first.len) != 0) {
			fprintf(stderr, "a record changes when packed and "
					"decoded again\n");
			abort();
		}
	}
	apr_pool_destroy(pool);
	return 0;
}
