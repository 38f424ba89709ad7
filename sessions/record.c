/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session record: its plaintext and its sealed form.
 *
 * Version 4 (3 before the stable user id, 2 before the access-token
 * expiry joined the state), written since the session benchmark showed
 * JSON decoding to be two thirds of a lookup's own CPU, is compact binary:
 *   0x04 flow(1 byte) authTime lastAccess idle expires    (4 uints)
 *   idp protocol                                          (2 strs)
 *   username email firstName lastName                     (4 opt strs)
 *   attributes: uint n, n x (str name, uint m, m x str)
 *   roles, organizations: uint n, n x str
 *   aws roles: uint n, n x (str principal, str role)
 *   aws sessionName (opt str), sessionDuration (uint, seconds + 1; 0 none)
 *   state: 9 opt strs in state_fields order (8 in version 2)
 *   the user's stable id (opt str; not in versions 2 and 3)
 * uint: LEB128, at most 9 bytes (< 2^63); str: uint length, bytes;
 * opt str: uint 0 for none, else length + 1, bytes. Nothing may follow.
 * Version 1 is JSON: {"v":1,"user":{..},"idp":..,"protocol":..,
 * "flow":..,"authTime":ms,"lastAccess":ms,"idle":ms,"expires":ms,
 * "state":{..}}; it is still read, so sessions written before stay.
 */
#include "sessions/record.h"
#include "gateway/base/json.h"
#include "sessions/seal.h"

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <string.h>

#define RECORD_VERSION 1
#define PACK_VERSION 0x04
#define PACK_VERSION_NO_ID 0x03
#define PACK_VERSION_8_STATES 0x02
#define MAX_TIME (1LL << 53)
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
	{"oidcAccessExpires", offsetof(kg_sess_state, oidc_access_expires)},
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
static kg_rc read_string(const kg_json *obj, const char *name, const char **out,
			 kg_err *err)
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
				  "session record: \"%s\" is not a time", name);
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

static kg_rc read_state(const kg_json *root, kg_sess_state *state, kg_err *err)
{
	const kg_json *obj = kg_json_get(root, "state");

	if (obj == NULL || obj->type != KG_JSON_OBJECT)
		return kg_err_set(err, KG_EINVAL,
				  "session record: \"state\" is not an object");
	for (size_t i = 0; i < STATE_FIELDS; i++) {
		if (kg_json_get(obj, state_fields[i].name) &&
		    read_string(obj, state_fields[i].name, state_slot(state, i),
				err) != KG_OK)
			return KG_EINVAL;
	}
	return KG_OK;
}

/* ---- version 2: compact --------------------------------------------- */

static void put_uint(kg_buf *b, unsigned long long v)
{
	char tmp[10];
	size_t n = 0;

	do {
		unsigned char c = v & 0x7f;
		v >>= 7;
		tmp[n++] = (char)(v ? c | 0x80 : c);
	} while (v);
	kg_buf_add(b, tmp, n);
}

static void put_str(kg_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_uint(b, n);
	kg_buf_add(b, s ? s : "", n);
}

static void put_opt(kg_buf *b, const char *s)
{
	size_t n;

	if (s == NULL) {
		put_uint(b, 0);
		return;
	}
	n = strlen(s);
	put_uint(b, (unsigned long long)n + 1);
	kg_buf_add(b, s, n);
}

static void put_list(kg_buf *b, const apr_array_header_t *list)
{
	put_uint(b, (unsigned long long)list->nelts);
	for (int i = 0; i < list->nelts; i++)
		put_str(b, APR_ARRAY_IDX(list, i, const char *));
}

void kg_sess_record_pack(kg_buf *b, const kg_sess_record *rec)
{
	const kg_user *u = rec->user;
	kg_sess_state *state = (kg_sess_state *)&rec->state;
	const apr_array_header_t *attrs = u->attributes->entries;

	kg_buf_addc(b, PACK_VERSION);
	kg_buf_addc(b, (char)rec->flow);
	for (size_t i = 0; i < TIME_FIELDS; i++) {
		long long t = *time_slot((kg_sess_record *)rec, i);
		put_uint(b, t < 0 ? 0 : (unsigned long long)t);
	}
	put_str(b, rec->idp);
	put_str(b, rec->protocol);
	put_opt(b, u->username);
	put_opt(b, u->email);
	put_opt(b, u->first_name);
	put_opt(b, u->last_name);
	put_uint(b, (unsigned long long)attrs->nelts);
	for (int i = 0; i < attrs->nelts; i++) {
		const kg_bag_entry *e = &APR_ARRAY_IDX(attrs, i, kg_bag_entry);
		put_str(b, e->name);
		put_list(b, e->values);
	}
	put_list(b, u->roles);
	put_list(b, u->organizations);
	put_uint(b, (unsigned long long)u->aws_roles->nelts);
	for (int i = 0; i < u->aws_roles->nelts; i++) {
		const kg_aws_role *r =
			&APR_ARRAY_IDX(u->aws_roles, i, kg_aws_role);
		put_str(b, r->principal);
		put_str(b, r->role);
	}
	put_opt(b, u->aws_session_name);
	put_uint(b, u->aws_session_duration >= 0
			    ? (unsigned long long)u->aws_session_duration + 1
			    : 0);
	for (size_t i = 0; i < STATE_FIELDS; i++)
		put_opt(b, *state_slot(state, i));
	put_opt(b, u->id);
}

/* A reader over the plaintext; ok turns false at the first bad byte and
 * every later read then fails too. */
typedef struct {
	apr_pool_t *pool;
	const unsigned char *p, *end;
	bool ok;
} reader;

static unsigned long long get_uint(reader *r)
{
	unsigned long long v = 0;

	for (int shift = 0; r->ok && shift < 63; shift += 7) {
		unsigned char c;
		if (r->p >= r->end)
			break;
		c = *r->p++;
		v |= (unsigned long long)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	r->ok = false;
	return 0;
}

/* Reads n bytes as a new string; NULL (and !ok) when they are not there
 * or hold a NUL. */
static const char *get_bytes(reader *r, unsigned long long n)
{
	const char *s;

	if (!r->ok || n > (unsigned long long)(r->end - r->p) ||
	    memchr(r->p, '\0', (size_t)n) != NULL) {
		r->ok = false;
		return NULL;
	}
	s = apr_pstrmemdup(r->pool, (const char *)r->p, (size_t)n);
	r->p += n;
	return s;
}

static const char *get_str(reader *r)
{
	return get_bytes(r, get_uint(r));
}

static const char *get_opt(reader *r)
{
	unsigned long long n = get_uint(r);

	return r->ok && n > 0 ? get_bytes(r, n - 1) : NULL;
}

/* A count of items of at least one byte each: never more than the bytes
 * left, so a bad count cannot make a large allocation. */
static int get_count(reader *r)
{
	unsigned long long n = get_uint(r);

	if (!r->ok || n > (unsigned long long)(r->end - r->p)) {
		r->ok = false;
		return 0;
	}
	return (int)n;
}

static void get_list(reader *r, apr_array_header_t *out)
{
	int n = get_count(r);

	for (int i = 0; r->ok && i < n; i++)
		APR_ARRAY_PUSH(out, const char *) = get_str(r);
}

static kg_rc unpack(apr_pool_t *pool, const char *text, size_t len,
		    kg_sess_record **out, kg_err *err)
{
	reader r = {pool, (const unsigned char *)text,
		    (const unsigned char *)text + len, true};
	kg_sess_record *rec = kg_sess_record_make(pool);
	kg_user *u = rec->user;
	unsigned long long flow, duration;
	size_t states;
	bool has_id;
	int n;

	has_id = *r.p == PACK_VERSION;
	states = *r.p++ == PACK_VERSION_8_STATES ? 8 : STATE_FIELDS;
	flow = r.p < r.end ? *r.p++ : KG_FLOW_COUNT;
	if (flow >= KG_FLOW_COUNT)
		return kg_err_set(err, KG_EINVAL,
				  "session record: unknown flow");
	rec->flow = (kg_flow)flow;
	for (size_t i = 0; i < TIME_FIELDS; i++) {
		unsigned long long t = get_uint(&r);
		if (t > (unsigned long long)MAX_TIME)
			r.ok = false;
		*time_slot(rec, i) = (long long)t;
	}
	rec->idp = get_str(&r);
	rec->protocol = get_str(&r);
	u->username = get_opt(&r);
	u->email = get_opt(&r);
	u->first_name = get_opt(&r);
	u->last_name = get_opt(&r);
	n = get_count(&r);
	for (int i = 0; r.ok && i < n; i++) {
		const char *name = get_str(&r);
		apr_array_header_t *values =
			apr_array_make(pool, 2, sizeof(const char *));
		get_list(&r, values);
		if (r.ok)
			kg_bag_set(u->attributes, name, values);
	}
	get_list(&r, u->roles);
	get_list(&r, u->organizations);
	n = get_count(&r);
	for (int i = 0; r.ok && i < n; i++) {
		kg_aws_role *role = apr_array_push(u->aws_roles);
		role->principal = get_str(&r);
		role->role = get_str(&r);
	}
	u->aws_session_name = get_opt(&r);
	duration = get_uint(&r);
	if (duration > (unsigned long long)MAX_TIME)
		r.ok = false;
	u->aws_session_duration = duration > 0 ? (long long)duration - 1 : -1;
	for (size_t i = 0; i < states; i++)
		*state_slot(&rec->state, i) = get_opt(&r);
	if (has_id)
		u->id = get_opt(&r);
	if (!r.ok || r.p != r.end)
		return kg_err_set(err, KG_EINVAL,
				  "session record: malformed or truncated");
	*out = rec;
	return KG_OK;
}

/* ---- version 1: JSON ------------------------------------------------ */

static kg_rc decode_json(apr_pool_t *pool, const char *text, size_t len,
			 kg_sess_record **out, kg_err *err);

kg_rc kg_sess_record_decode(apr_pool_t *pool, const char *text, size_t len,
			    kg_sess_record **out, kg_err *err)
{
	if (len > 0 && ((unsigned char)text[0] == PACK_VERSION ||
			(unsigned char)text[0] == PACK_VERSION_NO_ID ||
			(unsigned char)text[0] == PACK_VERSION_8_STATES))
		return unpack(pool, text, len, out, err);
	return decode_json(pool, text, len, out, err);
}

static kg_rc decode_json(apr_pool_t *pool, const char *text, size_t len,
			 kg_sess_record **out, kg_err *err)
{
	kg_sess_record *rec = apr_pcalloc(pool, sizeof(*rec));
	const kg_json *version;
	kg_json *root;
	kg_json_error je;

	if (!kg_json_parse(pool, text, len, RECORD_MAX_DEPTH, &root, &je))
		return kg_err_set(err, KG_EINVAL, "session record: %d:%d: %s",
				  je.line, je.col, je.msg);
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
			      unsigned char **out, size_t *out_len, kg_err *err)
{
	kg_buf plain;
	kg_rc rc;

	kg_buf_init(&plain, pool, 1024);
	kg_sess_record_pack(&plain, rec);
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
