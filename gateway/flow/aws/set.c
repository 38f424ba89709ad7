/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a session's AWS credentials and their stored form.
 */
#include "gateway/flow/aws/set.h"
#include "gateway/base/json.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#define KG_AWS_SET_MAX (512 * 1024)

kg_aws_set *kg_aws_set_make(apr_pool_t *pool)
{
	kg_aws_set *set = apr_pcalloc(pool, sizeof(*set));

	set->roles = apr_array_make(pool, 4, sizeof(kg_aws_role_creds));
	return set;
}

long long kg_aws_set_due_ms(const kg_aws_set *set, long long window_s)
{
	long long due = 0;

	for (int i = 0; i < set->roles->nelts; i++) {
		const kg_aws_role_creds *r =
			&APR_ARRAY_IDX(set->roles, i, kg_aws_role_creds);
		long long at;
		if (!r->ok)
			continue;
		at = (r->creds.expiration_s - window_s) * 1000;
		if (r->retry_after_ms > at)
			at = r->retry_after_ms;
		if (at >= r->creds.expiration_s * 1000)
			continue; /* expired before it could be refreshed */
		if (due == 0 || at < due)
			due = at;
	}
	return due;
}

/* Appends "KEY":"VALUE", when value is set. */
static void add_string(kg_buf *b, const char *key, const char *value)
{
	if (value == NULL)
		return;
	kg_buf_addf(b, ",\"%s\":", key);
	kg_buf_add_json_string(b, value);
}

const char *kg_aws_set_encode(apr_pool_t *pool, const kg_aws_set *set,
			      long long window_s)
{
	kg_buf b;

	kg_buf_init(&b, pool, 1024);
	kg_buf_addf(&b, "1 %lld\n{\"roles\":[",
		    kg_aws_set_due_ms(set, window_s));
	for (int i = 0; i < set->roles->nelts; i++) {
		const kg_aws_role_creds *r =
			&APR_ARRAY_IDX(set->roles, i, kg_aws_role_creds);
		kg_buf_addf(&b, "%s{\"ok\":%s,\"retry\":%lld,\"exp\":%lld",
			    i ? "," : "", r->ok ? "true" : "false",
			    r->retry_after_ms,
			    r->ok ? r->creds.expiration_s : 0LL);
		add_string(&b, "role", r->role_arn);
		add_string(&b, "principal", r->principal_arn);
		add_string(&b, "error", r->error);
		if (r->ok) {
			add_string(&b, "key", r->creds.keys.access_key);
			add_string(&b, "secret", r->creds.keys.secret_key);
			add_string(&b, "token", r->creds.keys.session_token);
			add_string(&b, "arn", r->creds.assumed_role_arn);
			add_string(&b, "arid", r->creds.assumed_role_id);
		}
		kg_buf_addc(&b, '}');
	}
	kg_buf_adds(&b, "]}");
	return b.data;
}

/* The string member key of obj, or NULL. */
static const char *get_string(const kg_json *obj, const char *key)
{
	const kg_json *v = kg_json_get(obj, key);

	return v && v->type == KG_JSON_STRING ? v->str : NULL;
}

/* The integer member key of obj into *out; false when it is not one. */
static bool get_int(const kg_json *obj, const char *key, long long *out)
{
	const kg_json *v = kg_json_get(obj, key);

	return v && v->type == KG_JSON_NUMBER && v->is_integer &&
	       kg_str_to_int(v->str, 0, INT64_MAX, out);
}

/* One role entry; false when it is malformed. */
static bool decode_role(const kg_json *o, kg_aws_role_creds *r)
{
	const kg_json *ok = kg_json_get(o, "ok");

	memset(r, 0, sizeof(*r));
	if (o->type != KG_JSON_OBJECT || ok == NULL ||
	    (ok->type != KG_JSON_TRUE && ok->type != KG_JSON_FALSE))
		return false;
	r->ok = ok->type == KG_JSON_TRUE;
	r->role_arn = get_string(o, "role");
	r->principal_arn = get_string(o, "principal");
	r->error = get_string(o, "error");
	if (r->role_arn == NULL || !get_int(o, "retry", &r->retry_after_ms) ||
	    !get_int(o, "exp", &r->creds.expiration_s))
		return false;
	if (!r->ok)
		return true;
	r->creds.keys.access_key = get_string(o, "key");
	r->creds.keys.secret_key = get_string(o, "secret");
	r->creds.keys.session_token = get_string(o, "token");
	r->creds.assumed_role_arn = get_string(o, "arn");
	r->creds.assumed_role_id = get_string(o, "arid");
	return r->creds.keys.access_key && r->creds.keys.secret_key &&
	       r->creds.keys.session_token;
}

kg_rc kg_aws_set_decode(apr_pool_t *pool, const char *text, kg_aws_set **out,
			kg_err *err)
{
	const char *json = text ? strchr(text, '\n') : NULL;
	const kg_json *roles;
	kg_json *root;
	kg_json_error je;
	kg_aws_set *set;

	if (json == NULL || strncmp(text, "1 ", 2) != 0 ||
	    strlen(json) > KG_AWS_SET_MAX ||
	    !kg_json_parse(pool, json + 1, strlen(json + 1), 8, &root, &je))
		return kg_err_set(err, KG_EINVAL,
				  "stored AWS credentials do not parse");
	roles = kg_json_get(root, "roles");
	if (roles == NULL || roles->type != KG_JSON_ARRAY)
		return kg_err_set(err, KG_EINVAL,
				  "stored AWS credentials have no roles");
	set = kg_aws_set_make(pool);
	for (size_t i = 0; i < roles->count; i++) {
		kg_aws_role_creds *r = apr_array_push(set->roles);
		if (!decode_role(roles->members[i].value, r))
			return kg_err_set(err, KG_EINVAL,
					  "stored AWS role %zu is malformed",
					  i);
	}
	*out = set;
	return KG_OK;
}

long long kg_aws_set_due_at(const char *text)
{
	char *end;
	long long due;

	if (text == NULL || strncmp(text, "1 ", 2) != 0)
		return 0;
	due = strtoll(text + 2, &end, 10);
	return *end == '\n' && due > 0 ? due : 0;
}

bool kg_aws_set_due(const char *text, long long now_ms)
{
	long long due = kg_aws_set_due_at(text);

	return due > 0 && now_ms >= due;
}

const char *kg_aws_session_name(apr_pool_t *pool, const kg_aws_role_creds *r)
{
	const char *arn = r->creds.assumed_role_arn;
	const char *slash = arn ? strrchr(arn, '/') : NULL;

	return slash && slash[1] ? apr_pstrdup(pool, slash + 1) : NULL;
}
