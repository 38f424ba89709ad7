/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the stored users, and sealed blobs for gateway cookies.
 */
#include "sessions/users.h"
#include "sessions/seal.h"
#include "sessions/mac.h"
#include "sessions/store_impl.h"

#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

/* P user:HASH for (alias, broker_id). */
static const char *user_key_with(kg_sess_store *s, apr_pool_t *pool,
				 const unsigned char *mac_key,
				 const char *alias, const char *broker_id)
{
	size_t alen = strlen(alias), blen = strlen(broker_id);
	char *input = apr_palloc(pool, alen + blen + 1);
	char digest[65];

	memcpy(input, alias, alen + 1);
	memcpy(input + alen + 1, broker_id, blen);
	kg_sess_mac_hex(mac_key, input, alen + 1 + blen, digest);
	return apr_pstrcat(pool, s->conf->redis_prefix, "user:", digest, NULL);
}

static const char *user_key(kg_sess_store *s, apr_pool_t *pool,
			    const char *alias, const char *broker_id)
{
	return user_key_with(s, pool, s->keys.current.cookie, alias, broker_id);
}

kg_rc kg_sess_blob_seal(kg_sess_store *s, apr_pool_t *pool, const char *aad,
			const void *plain, size_t len, unsigned char **out,
			size_t *out_len, kg_err *err)
{
	return kg_sess_seal(pool, s->keys.current.record, aad, plain, len, out,
			    out_len, err);
}

kg_rc kg_sess_blob_open(kg_sess_store *s, apr_pool_t *pool, const char *aad,
			const unsigned char *sealed, size_t len, char **plain,
			size_t *plain_len, kg_err *err)
{
	kg_err ignored = {0};

	if (kg_sess_unseal(pool, s->keys.current.record, aad, sealed, len,
			   plain, plain_len, &ignored) == KG_OK)
		return KG_OK;
	if (s->keys.has_previous &&
	    kg_sess_unseal(pool, s->keys.previous.record, aad, sealed, len,
			   plain, plain_len, &ignored) == KG_OK)
		return KG_OK;
	return kg_err_set(err, KG_EAUTH, "sealed blob does not open");
}

static kg_rc user_load_at(kg_sess_store *s, apr_pool_t *pool, const char *key,
			  kg_user **out, kg_err *err);

kg_rc kg_sess_user_load(kg_sess_store *s, apr_pool_t *pool, const char *alias,
			const char *broker_id, kg_user **out, kg_err *err)
{
	kg_rc rc = user_load_at(s, pool, user_key(s, pool, alias, broker_id),
				out, err);

	/* a user stored before a secret rollover is under the previous
	 * secret's key; the next save moves it */
	if (rc == KG_ENOTFOUND && s->keys.has_previous)
		rc = user_load_at(s, pool,
				  user_key_with(s, pool,
						s->keys.previous.cookie, alias,
						broker_id),
				  out, err);
	return rc;
}

/* GETs key and opens the sealed value there. KG_ENOTFOUND when it is
 * missing (*found false) or does not open (*found true). */
static kg_rc get_sealed(kg_sess_store *s, apr_pool_t *pool, const char *key,
			char **plain, size_t *plain_len, bool *found,
			kg_err *err)
{
	const char *argv[2] = {"GET", key};
	size_t lens[2] = {3, strlen(key)};
	kg_sess_reply *reply;
	kg_err ignored = {0};
	kg_rc rc;

	*found = false;
	rc = kg_sess_redis_command(s->redis, pool, 2, argv, lens, &reply, err);
	if (rc != KG_OK)
		return rc;
	if (reply->type != KG_REPLY_STRING)
		return KG_ENOTFOUND;
	*found = true;
	return kg_sess_blob_open(s, pool, key,
				 (const unsigned char *)reply->str, reply->len,
				 plain, plain_len, &ignored) == KG_OK
		       ? KG_OK
		       : KG_ENOTFOUND;
}

/* Loads the stored user at key. */
static kg_rc user_load_at(kg_sess_store *s, apr_pool_t *pool, const char *key,
			  kg_user **out, kg_err *err)
{
	kg_json *json;
	kg_json_error je;
	kg_err ignored = {0};
	char *plain;
	size_t plain_len;
	bool found;
	kg_rc rc = get_sealed(s, pool, key, &plain, &plain_len, &found, err);

	if (rc == KG_ENOTFOUND && !found)
		return rc;
	if (rc != KG_OK && rc != KG_ENOTFOUND)
		return rc;
	if (rc == KG_ENOTFOUND ||
	    !kg_json_parse(pool, plain, plain_len, KG_JSON_DEFAULT_DEPTH, &json,
			   &je) ||
	    kg_user_from_json(pool, json, out, &ignored) != KG_OK) {
		kg_log_emit(s->log, KG_LOG_WARN, "KG-0322",
			    "stored user does not open; treated as a first "
			    "login");
		return KG_ENOTFOUND;
	}
	return KG_OK;
}

kg_rc kg_sess_user_save(kg_sess_store *s, apr_pool_t *pool, const char *alias,
			const char *broker_id, const kg_user *user, kg_err *err)
{
	const char *key = user_key(s, pool, alias, broker_id);
	char ttl[24];
	const char *argv[5] = {"SET", key, NULL, "EX", ttl};
	size_t lens[5];
	unsigned char *sealed;
	size_t sealed_len;
	kg_sess_reply *reply;
	kg_buf b;
	kg_rc rc;

	kg_buf_init(&b, pool, 512);
	kg_buf_addc(&b, '{');
	kg_user_write_json(&b, user);
	kg_buf_addc(&b, '}');
	rc = kg_sess_blob_seal(s, pool, key, b.data, b.len, &sealed,
			       &sealed_len, err);
	if (rc != KG_OK)
		return rc;
	snprintf(ttl, sizeof(ttl), "%lld",
		 (long long)KG_SESS_USER_TTL_DAYS * 86400);
	argv[2] = (const char *)sealed;
	for (int i = 0; i < 5; i++)
		lens[i] = i == 2 ? sealed_len : strlen(argv[i]);
	return kg_sess_redis_command(s->redis, pool, 5, argv, lens, &reply,
				     err);
}

kg_rc kg_sess_name_set(kg_sess_store *s, apr_pool_t *pool, const char *name,
		       const char *value, long long expires_at_ms, bool *stored,
		       kg_err *err)
{
	const char *key = apr_pstrcat(pool, s->conf->redis_prefix, name, NULL);
	char at[24];
	const char *argv[6] = {"SET", key, NULL, "PXAT", at, "NX"};
	size_t lens[6];
	unsigned char *sealed;
	size_t sealed_len;
	kg_sess_reply *reply;
	kg_rc rc;

	rc = kg_sess_blob_seal(s, pool, key, value, strlen(value), &sealed,
			       &sealed_len, err);
	if (rc != KG_OK)
		return rc;
	snprintf(at, sizeof(at), "%lld", expires_at_ms);
	argv[2] = (const char *)sealed;
	for (int i = 0; i < 6; i++)
		lens[i] = i == 2 ? sealed_len : strlen(argv[i]);
	rc = kg_sess_redis_command(s->redis, pool, 6, argv, lens, &reply, err);
	*stored = rc == KG_OK && reply->type == KG_REPLY_STATUS;
	return rc;
}

kg_rc kg_sess_name_get(kg_sess_store *s, apr_pool_t *pool, const char *name,
		       const char **value, kg_err *err)
{
	const char *key = apr_pstrcat(pool, s->conf->redis_prefix, name, NULL);
	char *plain;
	size_t plain_len;
	bool found;
	kg_rc rc = get_sealed(s, pool, key, &plain, &plain_len, &found, err);

	if (rc == KG_OK)
		*value = plain;
	return rc;
}
