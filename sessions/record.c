/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session record: its JSON plaintext and its sealed form.
 *
 * The plaintext is {"v":1,"user":{..},"idp":..,"protocol":..,"flow":..,
 * "authTime":ms,"lastAccess":ms,"idle":ms,"expires":ms,"state":{..}}.
 */
#include "sessions/record.h"
#include "gateway/base/json.h"
#include "sessions/seal.h"

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <string.h>

#define RECORD_VERSION 1
#define RECORD_MAX_DEPTH 16

/* The opaque state members, by JSON name. */
static const struct {
	const char *name;
	size_t offset;
} state_fields[] = {
	{"oidcIdToken", offsetof(kg_sess_state, oidc_id_token)},
	{"oidcAccessToken", offsetof(kg_sess_state, oidc_access_token)},
	{"oidcRefreshToken", offsetof(kg_sess_state, oidc_refresh_token)},
	{"samlNameId", offsetof(kg_sess_state, saml_name_id)},
	{"samlNameIdFormat", offsetof(kg_sess_state, saml_name_id_format)},
	{"samlSessionIndex", offsetof(kg_sess_state, saml_session_index)},
	{"samlResponse", offsetof(kg_sess_state, saml_response)},
	{"stsCredentials", offsetof(kg_sess_state, sts_credentials)},
};
#define STATE_FIELDS (sizeof(state_fields) / sizeof(state_fields[0]))

/* The record's times, by JSON name. */
static const struct {
	const char *name;
	size_t offset;
} time_fields[] = {
	{"authTime", offsetof(kg_sess_record, auth_ms)},
	{"lastAccess", offsetof(kg_sess_record, last_access_ms)},
	{"idle", offsetof(kg_sess_record, idle_ms)},
	{"expires", offsetof(kg_sess_record, expires_ms)},
};
#define TIME_FIELDS (sizeof(time_fields) / sizeof(time_fields[0]))

static const char **state_slot(kg_sess_state *s, size_t i)
{
	return (const char **)((char *)s + state_fields[i].offset);
}

static long long *time_slot(kg_sess_record *rec, size_t i)
{
	return (long long *)((char *)rec + time_fields[i].offset);
}

kg_sess_record *kg_sess_record_make(apr_pool_t *pool)
{
	kg_sess_record *rec = apr_pcalloc(pool, sizeof(*rec));

	rec->user = kg_user_make(pool);
	return rec;
}

long long kg_sess_record_deadline(const kg_sess_record *rec)
{
	if (rec->idle_ms > 0 &&
	    rec->last_access_ms + rec->idle_ms < rec->expires_ms)
		return rec->last_access_ms + rec->idle_ms;
	return rec->expires_ms;
}

void kg_sess_record_encode(kg_buf *b, const kg_sess_record *rec)
{
	kg_sess_state *state = (kg_sess_state *)&rec->state;
	bool first = true;

	kg_buf_addf(b, "{\"v\":%d,\"user\":{", RECORD_VERSION);
	kg_user_write_json(b, rec->user);
	kg_buf_adds(b, "},\"idp\":");
	kg_buf_add_json_string(b, rec->idp ? rec->idp : "");
	kg_buf_adds(b, ",\"protocol\":");
	kg_buf_add_json_string(b, rec->protocol ? rec->protocol : "");
	kg_buf_adds(b, ",\"flow\":");
	kg_buf_add_json_string(b, kg_conf_flow_name(rec->flow));
	for (size_t i = 0; i < TIME_FIELDS; i++)
		kg_buf_addf(b, ",\"%s\":%lld", time_fields[i].name,
			    *time_slot((kg_sess_record *)rec, i));
	kg_buf_adds(b, ",\"state\":{");
	for (size_t i = 0; i < STATE_FIELDS; i++) {
		const char *v = *state_slot(state, i);
		if (v == NULL)
			continue;
		kg_buf_addf(b, "%s\"%s\":", first ? "" : ",",
			    state_fields[i].name);
		kg_buf_add_json_string(b, v);
		first = false;
	}
	kg_buf_adds(b, "}}");
}

/* Reads the string member name of obj into *out. */
static kg_rc read_string(const kg_json *obj, const char *name,
			 const char **out, kg_err *err)
{
	const kg_json *v = kg_json_get(obj, name);

	if (v == NULL || v->type != KG_JSON_STRING)
		return kg_err_set(err, KG_EINVAL,
				  "session record: \"%s\" is not a string",
				  name);
	*out = v->str;
	return KG_OK;
}

/* Reads the whole non-negative number member name of obj into *out. */
static kg_rc read_time(const kg_json *obj, const char *name, long long *out,
		       kg_err *err)
{
	const kg_json *v = kg_json_get(obj, name);

	if (v == NULL || v->type != KG_JSON_NUMBER || !v->is_integer ||
	    !kg_str_to_int(v->str, 0, 1LL << 53, out))
		return kg_err_set(err, KG_EINVAL,
				  "session record: \"%s\" is not a time",
				  name);
	return KG_OK;
}

static kg_rc read_flow(const kg_json *root, kg_flow *out, kg_err *err)
{
	const char *name = NULL;

	if (read_string(root, "flow", &name, err) != KG_OK)
		return KG_EINVAL;
	for (int f = 0; f < KG_FLOW_COUNT; f++) {
		if (strcmp(name, kg_conf_flow_name((kg_flow)f)) == 0) {
			*out = (kg_flow)f;
			return KG_OK;
		}
	}
	return kg_err_set(err, KG_EINVAL, "session record: unknown flow");
}

static kg_rc read_state(const kg_json *root, kg_sess_state *state,
			kg_err *err)
{
	const kg_json *obj = kg_json_get(root, "state");

	if (obj == NULL || obj->type != KG_JSON_OBJECT)
		return kg_err_set(err, KG_EINVAL,
				  "session record: \"state\" is not an object");
	for (size_t i = 0; i < STATE_FIELDS; i++) {
		if (kg_json_get(obj, state_fields[i].name) &&
		    read_string(obj, state_fields[i].name,
				state_slot(state, i), err) != KG_OK)
			return KG_EINVAL;
	}
	return KG_OK;
}

kg_rc kg_sess_record_decode(apr_pool_t *pool, const char *text, size_t len,
			    kg_sess_record **out, kg_err *err)
{
	kg_sess_record *rec = apr_pcalloc(pool, sizeof(*rec));
	const kg_json *version;
	kg_json *root;
	kg_json_error je;

	if (!kg_json_parse(pool, text, len, RECORD_MAX_DEPTH, &root, &je))
		return kg_err_set(err, KG_EINVAL,
				  "session record: %d:%d: %s", je.line, je.col,
				  je.msg);
	version = kg_json_get(root, "v");
	if (version == NULL || version->type != KG_JSON_NUMBER ||
	    strcmp(version->str, "1") != 0)
		return kg_err_set(err, KG_EINVAL,
				  "session record: unknown version");
	if (kg_json_get(root, "user") == NULL)
		return kg_err_set(err, KG_EINVAL,
				  "session record: no \"user\"");
	if (kg_user_from_json(pool, kg_json_get(root, "user"), &rec->user,
			      err) != KG_OK ||
	    read_string(root, "idp", &rec->idp, err) != KG_OK ||
	    read_string(root, "protocol", &rec->protocol, err) != KG_OK ||
	    read_flow(root, &rec->flow, err) != KG_OK ||
	    read_state(root, &rec->state, err) != KG_OK)
		return KG_EINVAL;
	for (size_t i = 0; i < TIME_FIELDS; i++) {
		if (read_time(root, time_fields[i].name, time_slot(rec, i),
			      err) != KG_OK)
			return KG_EINVAL;
	}
	*out = rec;
	return KG_OK;
}

kg_rc kg_sess_record_seal_ctx(apr_pool_t *pool, const kg_sess_keyctx *kc,
			      const kg_sess_record *rec, size_t max_bytes,
			      unsigned char **out, size_t *out_len,
			      kg_err *err)
{
	kg_buf plain;
	kg_rc rc;

	kg_buf_init(&plain, pool, 1024);
	kg_sess_record_encode(&plain, rec);
	if (plain.len + KG_SESS_SEAL_OVERHEAD > max_bytes) {
		rc = kg_err_set(err, KG_EINVAL,
				"session record of %zu bytes is larger than "
				"KeygateSessionMaxRecordSize %zu",
				plain.len + KG_SESS_SEAL_OVERHEAD, max_bytes);
		goto out_wipe;
	}
	rc = kg_sess_seal_ctx(pool, kc->seal, rec->id, plain.data, plain.len,
			      out, out_len, err);
out_wipe:
	OPENSSL_cleanse(plain.data, plain.len);
	return rc;
}

kg_rc kg_sess_record_unseal_ctx(apr_pool_t *pool, const kg_sess_keyctx *kc,
				const char *id, const unsigned char *sealed,
				size_t len, kg_sess_record **out, kg_err *err)
{
	kg_err first;
	char *plain;
	size_t plain_len;
	kg_rc rc;

	kg_err_clear(&first);
	rc = kg_sess_unseal_ctx(pool, kc->open[0], id, sealed, len, &plain,
				&plain_len, &first);
	if (rc != KG_OK && kc->count > 1)
		rc = kg_sess_unseal_ctx(pool, kc->open[1], id, sealed, len,
					&plain, &plain_len, NULL);
	if (rc != KG_OK)
		return kg_err_set(err, rc, "%s", first.msg);
	rc = kg_sess_record_decode(pool, plain, plain_len, out, err);
	OPENSSL_cleanse(plain, plain_len);
	if (rc == KG_OK)
		memcpy((*out)->id, id, sizeof((*out)->id));
	return rc;
}

kg_rc kg_sess_record_seal(apr_pool_t *pool, const kg_sess_keys *keys,
			  const kg_sess_record *rec, size_t max_bytes,
			  unsigned char **out, size_t *out_len, kg_err *err)
{
	kg_sess_keyctx kc;
	kg_rc rc;

	if (!kg_sess_keyctx_init(&kc, keys))
		return kg_err_set(err, KG_EINTERNAL,
				  "AES-256-GCM key setup failed");
	rc = kg_sess_record_seal_ctx(pool, &kc, rec, max_bytes, out, out_len,
				     err);
	kg_sess_keyctx_free(&kc);
	return rc;
}

kg_rc kg_sess_record_unseal(apr_pool_t *pool, const kg_sess_keys *keys,
			    const char *id, const unsigned char *sealed,
			    size_t len, kg_sess_record **out, kg_err *err)
{
	kg_sess_keyctx kc;
	kg_rc rc;

	if (!kg_sess_keyctx_init(&kc, keys))
		return kg_err_set(err, KG_EINTERNAL,
				  "AES-256-GCM key setup failed");
	rc = kg_sess_record_unseal_ctx(pool, &kc, id, sealed, len, out, err);
	kg_sess_keyctx_free(&kc);
	return rc;
}
