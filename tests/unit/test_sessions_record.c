/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the session record codec and its sealing:
 * round trip, fresh nonces, tampering, truncation, wrong key, wrong id,
 * key rollover, size cap, malformed plaintext.
 */
#include "tests/unit/fixture.h"

#include "conf/sessions.h"
#include "sessions/keys.h"
#include "sessions/record.h"

#include <apr_strings.h>
#include <string.h>

#define ID "0123456789abcdef0123456789abcdef"

static const char secret_a[] = "a-secret-of-at-least-thirty-two-bytes!!";
static const char secret_b[] = "another-secret-at-least-32-bytes-long!!";

/* Keys from secret (and previous, may be NULL). */
static kg_sess_keys keys_for(apr_pool_t *pool, const char *secret,
			     const char *previous)
{
	kg_conf_sessions conf;
	kg_sess_keys keys;
	kg_err err;

	kg_conf_sessions_defaults(pool, &conf);
	conf.secret.bytes = (const unsigned char *)secret;
	conf.secret.len = strlen(secret);
	if (previous) {
		conf.previous_secret.bytes = (const unsigned char *)previous;
		conf.previous_secret.len = strlen(previous);
	}
	kg_err_clear(&err);
	assert_int_equal(kg_sess_keys_derive(&conf, &keys, &err), KG_OK);
	return keys;
}

static kg_sess_record *sample(apr_pool_t *pool)
{
	kg_sess_record *rec = kg_sess_record_make(pool);

	memcpy(rec->id, ID, sizeof(rec->id));
	rec->user->username = "jdoe";
	rec->user->email = "jdoe@example.com";
	kg_bag_add(rec->user->attributes, "department", "R&D \"quoted\"");
	APR_ARRAY_PUSH(rec->user->roles, const char *) = "Practitioner";
	rec->idp = "corp-saml";
	rec->protocol = "saml";
	rec->flow = KG_FLOW_SSO;
	rec->auth_ms = 1700000000000LL;
	rec->last_access_ms = 1700000001000LL;
	rec->idle_ms = 1800000;
	rec->expires_ms = 1700000000000LL + 5184000000LL;
	rec->state.saml_name_id = "jdoe@example.com";
	rec->state.saml_session_index = "_idx1";
	return rec;
}

static void seal(apr_pool_t *pool, const kg_sess_keys *keys,
		 const kg_sess_record *rec, unsigned char **out, size_t *len)
{
	kg_err err;

	kg_err_clear(&err);
	assert_int_equal(
		kg_sess_record_seal(pool, keys, rec, 65536, out, len, &err),
		KG_OK);
}

static kg_rc unseal(apr_pool_t *pool, const kg_sess_keys *keys, const char *id,
		    const unsigned char *sealed, size_t len,
		    kg_sess_record **out)
{
	kg_err err;

	kg_err_clear(&err);
	return kg_sess_record_unseal(pool, keys, id, sealed, len, out, &err);
}

static void test_record_round_trips(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_keys keys = keys_for(pool, secret_a, NULL);
	kg_sess_record *rec = sample(pool), *back = NULL;
	unsigned char *sealed;
	size_t len;

	seal(pool, &keys, rec, &sealed, &len);
	assert_null(memmem(sealed, len, "jdoe", 4)); /* no plaintext */
	assert_int_equal(unseal(pool, &keys, ID, sealed, len, &back), KG_OK);
	assert_string_equal(back->id, ID);
	assert_string_equal(back->user->username, "jdoe");
	assert_string_equal(kg_bag_first(back->user->attributes, "department"),
			    "R&D \"quoted\"");
	assert_string_equal(APR_ARRAY_IDX(back->user->roles, 0, const char *),
			    "Practitioner");
	assert_string_equal(back->idp, "corp-saml");
	assert_string_equal(back->protocol, "saml");
	assert_int_equal(back->flow, KG_FLOW_SSO);
	assert_true(back->auth_ms == rec->auth_ms);
	assert_true(back->last_access_ms == rec->last_access_ms);
	assert_true(back->idle_ms == rec->idle_ms);
	assert_true(back->expires_ms == rec->expires_ms);
	assert_string_equal(back->state.saml_name_id, "jdoe@example.com");
	assert_string_equal(back->state.saml_session_index, "_idx1");
	assert_null(back->state.oidc_id_token);
	kg_sess_keys_wipe(&keys);
}

static void test_record_seal_uses_fresh_nonce(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_keys keys = keys_for(pool, secret_a, NULL);
	kg_sess_record *rec = sample(pool);
	unsigned char *a, *b;
	size_t alen, blen;

	seal(pool, &keys, rec, &a, &alen);
	seal(pool, &keys, rec, &b, &blen);
	assert_int_equal(alen, blen);
	assert_memory_not_equal(a + 1, b + 1, 12);
	assert_memory_not_equal(a, b, alen);
}

static void test_record_rejects_every_flipped_byte(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_keys keys = keys_for(pool, secret_a, NULL);
	kg_sess_record *back;
	unsigned char *sealed;
	size_t len;

	seal(pool, &keys, sample(pool), &sealed, &len);
	for (size_t i = 0; i < len; i++) {
		sealed[i] ^= 0x01;
		assert_int_equal(unseal(pool, &keys, ID, sealed, len, &back),
				 KG_EAUTH);
		sealed[i] ^= 0x01;
	}
	assert_int_equal(unseal(pool, &keys, ID, sealed, len, &back), KG_OK);
}

static void test_record_rejects_every_truncation(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_keys keys = keys_for(pool, secret_a, NULL);
	kg_sess_record *back;
	unsigned char *sealed;
	size_t len;

	seal(pool, &keys, sample(pool), &sealed, &len);
	for (size_t n = 0; n < len; n++)
		assert_int_equal(unseal(pool, &keys, ID, sealed, n, &back),
				 KG_EAUTH);
}

static void test_record_rejects_wrong_key_and_wrong_id(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_keys a = keys_for(pool, secret_a, NULL);
	kg_sess_keys b = keys_for(pool, secret_b, NULL);
	kg_sess_record *back;
	unsigned char *sealed;
	size_t len;

	seal(pool, &a, sample(pool), &sealed, &len);
	assert_int_equal(unseal(pool, &b, ID, sealed, len, &back), KG_EAUTH);
	/* the same record copied under another session's key */
	assert_int_equal(unseal(pool, &a, "ffffffffffffffffffffffffffffffff",
				sealed, len, &back),
			 KG_EAUTH);
}

static void test_record_key_rollover_reads_old_writes_new(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_keys old = keys_for(pool, secret_a, NULL);
	kg_sess_keys rolled = keys_for(pool, secret_b, secret_a);
	kg_sess_keys fresh = keys_for(pool, secret_b, NULL);
	kg_sess_record *back;
	unsigned char *sealed, *resealed;
	size_t len, relen;

	seal(pool, &old, sample(pool), &sealed, &len);
	assert_int_equal(unseal(pool, &rolled, ID, sealed, len, &back), KG_OK);
	assert_string_equal(back->user->username, "jdoe");
	/* written again after rollover: sealed with the new secret only */
	seal(pool, &rolled, back, &resealed, &relen);
	assert_int_equal(unseal(pool, &fresh, ID, resealed, relen, &back),
			 KG_OK);
	assert_int_equal(unseal(pool, &old, ID, resealed, relen, &back),
			 KG_EAUTH);
	/* once the previous secret is dropped, old records no longer open */
	assert_int_equal(unseal(pool, &fresh, ID, sealed, len, &back),
			 KG_EAUTH);
}

static void test_record_larger_than_cap_is_refused(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_keys keys = keys_for(pool, secret_a, NULL);
	kg_sess_record *rec = sample(pool);
	char *big = apr_palloc(pool, 70000);
	unsigned char *sealed = NULL;
	size_t len = 0;
	kg_err err;

	memset(big, 'x', 69999);
	big[69999] = '\0';
	rec->state.saml_response = big;
	kg_err_clear(&err);
	assert_int_equal(kg_sess_record_seal(pool, &keys, rec, 65536, &sealed,
					     &len, &err),
			 KG_EINVAL);
	assert_null(sealed);
	assert_non_null(strstr(err.msg, "KeygateSessionMaxRecordSize"));
}

/* One thread's reused contexts (the store's hot path) give the same
 * results as fresh ones: fresh nonces, a failed open does not spoil the
 * next one, and rollover reads the old key. */
static void test_record_reused_contexts(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_keys old = keys_for(pool, secret_a, NULL);
	kg_sess_keys rolled = keys_for(pool, secret_b, secret_a);
	kg_sess_keyctx kc, kc_old;
	kg_sess_record *back;
	unsigned char *a, *b, *c;
	size_t alen, blen, clen;
	kg_err err;

	assert_true(kg_sess_keyctx_init(&kc, &rolled));
	assert_true(kg_sess_keyctx_init(&kc_old, &old));
	kg_err_clear(&err);
	assert_int_equal(kg_sess_record_seal_ctx(pool, &kc, sample(pool), 65536,
						 &a, &alen, &err),
			 KG_OK);
	assert_int_equal(kg_sess_record_seal_ctx(pool, &kc, sample(pool), 65536,
						 &b, &blen, &err),
			 KG_OK);
	assert_memory_not_equal(a + 1, b + 1, 12);
	assert_int_equal(kg_sess_record_seal_ctx(pool, &kc_old, sample(pool),
						 65536, &c, &clen, &err),
			 KG_OK);
	for (int i = 0; i < 3; i++) {
		b[blen - 1] ^= 0x01; /* a tampered tag fails ... */
		assert_int_equal(kg_sess_record_unseal_ctx(pool, &kc, ID, b,
							   blen, &back, &err),
				 KG_EAUTH);
		b[blen - 1] ^= 0x01; /* ... and the next open still works */
		assert_int_equal(kg_sess_record_unseal_ctx(pool, &kc, ID, b,
							   blen, &back, &err),
				 KG_OK);
		assert_string_equal(back->user->username, "jdoe");
		/* a fresh context opens what the reused one sealed */
		assert_int_equal(unseal(pool, &rolled, ID, a, alen, &back),
				 KG_OK);
		/* the previous key still reads, the old one cannot read new */
		assert_int_equal(kg_sess_record_unseal_ctx(pool, &kc, ID, c,
							   clen, &back, &err),
				 KG_OK);
		assert_int_equal(kg_sess_record_unseal_ctx(pool, &kc_old, ID, a,
							   alen, &back, &err),
				 KG_EAUTH);
	}
	kg_sess_keyctx_free(&kc);
	kg_sess_keyctx_free(&kc_old);
}

/* A record with every member set, for the codec tests. */
static kg_sess_record *full_sample(apr_pool_t *pool)
{
	kg_sess_record *rec = sample(pool);
	kg_aws_role *role;

	rec->user->first_name = "Jane";
	rec->user->last_name = NULL;
	kg_bag_add(rec->user->attributes, "department", "second \xc3\xa9");
	kg_bag_add(rec->user->attributes, "empty-string", "");
	APR_ARRAY_PUSH(rec->user->roles, const char *) = "Admin";
	APR_ARRAY_PUSH(rec->user->organizations, const char *) = "org-a";
	role = apr_array_push(rec->user->aws_roles);
	role->principal = "arn:aws:iam::1:saml-provider/kg";
	role->role = "arn:aws:iam::1:role/r";
	rec->user->aws_session_name = "jdoe";
	rec->user->aws_session_duration = 0;
	rec->state.oidc_id_token = "eyJ.x.y";
	rec->state.sts_credentials = "{\"k\":1}";
	rec->idle_ms = 0;
	return rec;
}

static void assert_same(const kg_sess_record *a, const kg_sess_record *b)
{
	const kg_user *x = a->user, *y = b->user;

	assert_string_equal(b->idp, a->idp);
	assert_string_equal(b->protocol, a->protocol);
	assert_int_equal(b->flow, a->flow);
	assert_true(b->auth_ms == a->auth_ms &&
		    b->last_access_ms == a->last_access_ms &&
		    b->idle_ms == a->idle_ms && b->expires_ms == a->expires_ms);
	assert_string_equal(y->username, x->username);
	assert_string_equal(y->email, x->email);
	assert_string_equal(y->first_name, x->first_name);
	assert_null(y->last_name);
	assert_int_equal(y->attributes->entries->nelts,
			 x->attributes->entries->nelts);
	for (int i = 0; i < x->attributes->entries->nelts; i++) {
		const kg_bag_entry *e =
			&APR_ARRAY_IDX(x->attributes->entries, i, kg_bag_entry);
		assert_true(kg_values_equal(kg_bag_get(y->attributes, e->name),
					    e->values));
	}
	assert_true(kg_values_equal(y->roles, x->roles));
	assert_true(kg_values_equal(y->organizations, x->organizations));
	assert_int_equal(y->aws_roles->nelts, 1);
	assert_string_equal(APR_ARRAY_IDX(y->aws_roles, 0, kg_aws_role).role,
			    "arn:aws:iam::1:role/r");
	assert_string_equal(y->aws_session_name, x->aws_session_name);
	assert_true(y->aws_session_duration == x->aws_session_duration);
	assert_string_equal(b->state.oidc_id_token, a->state.oidc_id_token);
	assert_string_equal(b->state.sts_credentials, a->state.sts_credentials);
	assert_string_equal(b->state.saml_session_index,
			    a->state.saml_session_index);
	assert_null(b->state.saml_response);
}

/* The compact form (version 4) round-trips every member, the stable user
 * id too; version 1 (JSON) records written before still decode to the
 * same. */
static void test_record_compact_and_json_round_trip(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_record *rec = full_sample(pool), *back;
	kg_buf packed, json;
	kg_err err;

	kg_buf_init(&packed, pool, 64);
	kg_sess_record_pack(&packed, rec);
	assert_int_equal((unsigned char)packed.data[0], 0x04);
	rec->user->id = "74e837a7-61ec-4777-8862-772037aec72f";
	kg_buf_init(&packed, pool, 64);
	kg_sess_record_pack(&packed, rec);
	assert_int_equal((unsigned char)packed.data[0], 0x04);
	kg_err_clear(&err);
	assert_int_equal(kg_sess_record_decode(pool, packed.data, packed.len,
					       &back, &err),
			 KG_OK);
	assert_same(rec, back);
	assert_string_equal(back->user->id, rec->user->id);
	kg_buf_init(&json, pool, 64);
	kg_sess_record_encode(&json, rec);
	assert_true(packed.len < json.len);
	assert_int_equal(
		kg_sess_record_decode(pool, json.data, json.len, &back, &err),
		KG_OK);
	assert_same(rec, back);
	rec->user->aws_session_duration = -1;
	kg_buf_init(&packed, pool, 64);
	kg_sess_record_pack(&packed, rec);
	assert_int_equal(kg_sess_record_decode(pool, packed.data, packed.len,
					       &back, &err),
			 KG_OK);
	assert_true(back->user->aws_session_duration == -1);
}

/* Version 4 keeps the login's client address and User-Agent (cut at
 * KG_SESS_USER_AGENT_MAX on a character boundary), in both forms; a
 * version 3 record (an older gateway's, in a rolling upgrade) still reads,
 * without them. */
static void test_record_keeps_client_and_reads_version_3(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_record *rec = full_sample(pool), *back;
	char agent[KG_SESS_USER_AGENT_MAX + 8];
	kg_buf packed, json;
	kg_err err = {0};

	kg_sess_record_set_client(rec, pool, "2001:db8::7",
				  "Mozilla/5.0 \"quoted\"");
	kg_buf_init(&packed, pool, 64);
	kg_sess_record_pack(&packed, rec);
	assert_int_equal(kg_sess_record_decode(pool, packed.data, packed.len,
					       &back, &err),
			 KG_OK);
	assert_string_equal(back->client_ip, "2001:db8::7");
	assert_string_equal(back->user_agent, "Mozilla/5.0 \"quoted\"");
	kg_buf_init(&json, pool, 64);
	kg_sess_record_encode(&json, rec);
	assert_int_equal(
		kg_sess_record_decode(pool, json.data, json.len, &back, &err),
		KG_OK);
	assert_string_equal(back->client_ip, "2001:db8::7");
	assert_string_equal(back->user_agent, "Mozilla/5.0 \"quoted\"");
	/* version 3: the same bytes without the id and the two client
	 * fields */
	kg_sess_record_set_client(rec, pool, NULL, NULL);
	rec->user->id = NULL;
	kg_buf_init(&packed, pool, 64);
	kg_sess_record_pack(&packed, rec);
	assert_int_equal(packed.data[packed.len - 1], 0);
	assert_int_equal(packed.data[packed.len - 2], 0);
	assert_int_equal(packed.data[packed.len - 3], 0);
	packed.data[0] = 0x03;
	assert_int_equal(kg_sess_record_decode(pool, packed.data,
					       packed.len - 3, &back, &err),
			 KG_OK);
	assert_same(rec, back);
	assert_null(back->client_ip);
	assert_null(back->user_agent);
	/* KeygateSessionRecordFormat 3 writes exactly that form */
	kg_sess_record_set_client(rec, pool, "192.0.2.9", "agent");
	kg_buf_init(&json, pool, 64);
	kg_sess_record_pack_as(&json, rec, 3);
	assert_int_equal(json.len, packed.len - 3);
	assert_memory_equal(json.data, packed.data, json.len);
	kg_sess_record_set_client(rec, pool, NULL, NULL);
	/* ...and version 3 with client bytes after it is refused */
	assert_int_equal(kg_sess_record_decode(pool, packed.data, packed.len,
					       &back, &err),
			 KG_EINVAL);
	/* a long agent is cut, never inside a UTF-8 character */
	memset(agent, 'a', sizeof(agent) - 1);
	agent[sizeof(agent) - 1] = '\0';
	agent[KG_SESS_USER_AGENT_MAX - 1] = (char)0xc3;
	agent[KG_SESS_USER_AGENT_MAX] = (char)0xa9;
	kg_sess_record_set_client(rec, pool, "192.0.2.1", agent);
	assert_int_equal(strlen(rec->user_agent), KG_SESS_USER_AGENT_MAX - 1);
}

/* Every truncation, and a byte added, of a compact plaintext is refused
 * (and never read past its end: ASan watches). */
static void test_record_compact_rejects_truncation_and_trailing(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_record *back;
	kg_buf packed;
	kg_err err;
	char *copy;

	kg_buf_init(&packed, pool, 64);
	kg_sess_record_pack(&packed, full_sample(pool));
	for (size_t n = 1; n < packed.len; n++) {
		copy = apr_pmemdup(pool, packed.data, n);
		kg_err_clear(&err);
		assert_int_equal(
			kg_sess_record_decode(pool, copy, n, &back, &err),
			KG_EINVAL);
	}
	copy = apr_palloc(pool, packed.len + 1);
	memcpy(copy, packed.data, packed.len);
	copy[packed.len] = 'x';
	assert_int_equal(
		kg_sess_record_decode(pool, copy, packed.len + 1, &back, &err),
		KG_EINVAL);
	/* a huge count does not allocate: it is refused */
	copy = apr_pmemdup(pool,
			   "\x02\x00\x01\x01\x01\x02\x00\x00"
			   "\x00\x00\x00\x00\xff\xff\xff\xff\x0f",
			   17);
	assert_int_equal(kg_sess_record_decode(pool, copy, 17, &back, &err),
			 KG_EINVAL);
}

/* Plaintexts that open but must not decode. */
static void test_record_decode_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"",				       /* empty */
		"{",				       /* truncated */
		"[]",				       /* not an object */
		"{\"v\":2,\"user\":{},\"idp\":\"a\"}", /* unknown version */
		"{\"v\":1}",			       /* nothing else */
		"{\"v\":1,\"user\":{},\"idp\":\"a\",\"protocol\":\"saml\","
		"\"flow\":\"nope\",\"authTime\":1,\"lastAccess\":1,\"idle\":1,"
		"\"expires\":2,\"state\":{}}", /* unknown flow */
		"{\"v\":1,\"user\":{},\"idp\":\"a\",\"protocol\":\"saml\","
		"\"flow\":\"api\",\"authTime\":-1,\"lastAccess\":1,\"idle\":1,"
		"\"expires\":2,\"state\":{}}", /* negative time */
		"{\"v\":1,\"user\":{},\"idp\":\"a\",\"protocol\":\"saml\","
		"\"flow\":\"api\",\"authTime\":1,\"lastAccess\":1,\"idle\":1,"
		"\"expires\":2,\"state\":{\"samlNameId\":7}}", /* state type */
	};
	apr_pool_t *pool = *state;
	kg_sess_record *rec;
	kg_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kg_err_clear(&err);
		assert_int_equal(kg_sess_record_decode(pool, bad[i],
						       strlen(bad[i]), &rec,
						       &err),
				 KG_EINVAL);
	}
}

static void test_record_deadline_is_earlier_of_idle_and_max(void **state)
{
	kg_sess_record *rec = sample(*state);

	assert_true(kg_sess_record_deadline(rec) ==
		    rec->last_access_ms + rec->idle_ms);
	rec->idle_ms = 0;
	assert_true(kg_sess_record_deadline(rec) == rec->expires_ms);
	rec->idle_ms = rec->expires_ms;
	assert_true(kg_sess_record_deadline(rec) == rec->expires_ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_record_round_trips),
		KGT(test_record_seal_uses_fresh_nonce),
		KGT(test_record_rejects_every_flipped_byte),
		KGT(test_record_rejects_every_truncation),
		KGT(test_record_rejects_wrong_key_and_wrong_id),
		KGT(test_record_key_rollover_reads_old_writes_new),
		KGT(test_record_larger_than_cap_is_refused),
		KGT(test_record_reused_contexts),
		KGT(test_record_compact_and_json_round_trip),
		KGT(test_record_keeps_client_and_reads_version_3),
		KGT(test_record_compact_rejects_truncation_and_trailing),
		KGT(test_record_decode_rejects_malformed),
		KGT(test_record_deadline_is_earlier_of_idle_and_max),
	};
	return KGT_RUN(tests);
}
