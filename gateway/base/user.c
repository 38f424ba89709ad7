/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Domino user and its JSON form.
 */
#include "user.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

kg_user *kg_user_make(apr_pool_t *pool)
{
	kg_user *u = apr_pcalloc(pool, sizeof(*u));

	u->attributes = kg_bag_make(pool);
	u->roles = apr_array_make(pool, 4, sizeof(const char *));
	u->organizations = apr_array_make(pool, 4, sizeof(const char *));
	u->aws_roles = apr_array_make(pool, 2, sizeof(kg_aws_role));
	u->aws_session_duration = -1;
	return u;
}

static const char *dup_or_null(apr_pool_t *pool, const char *s)
{
	return s ? apr_pstrdup(pool, s) : NULL;
}

kg_user *kg_user_copy(apr_pool_t *pool, const kg_user *src)
{
	kg_user *u = kg_user_make(pool);

	u->id = dup_or_null(pool, src->id);
	u->username = dup_or_null(pool, src->username);
	u->email = dup_or_null(pool, src->email);
	u->first_name = dup_or_null(pool, src->first_name);
	u->last_name = dup_or_null(pool, src->last_name);
	u->attributes = kg_bag_copy(pool, src->attributes);
	for (int i = 0; i < src->roles->nelts; i++)
		kg_list_add_unique(
			u->roles,
			apr_pstrdup(pool, APR_ARRAY_IDX(src->roles, i,
							const char *)));
	for (int i = 0; i < src->organizations->nelts; i++)
		kg_list_add_unique(
			u->organizations,
			apr_pstrdup(pool, APR_ARRAY_IDX(src->organizations, i,
							const char *)));
	for (int i = 0; i < src->aws_roles->nelts; i++) {
		const kg_aws_role *r =
			&APR_ARRAY_IDX(src->aws_roles, i, kg_aws_role);
		kg_aws_role *d = apr_array_push(u->aws_roles);
		d->principal = apr_pstrdup(pool, r->principal);
		d->role = apr_pstrdup(pool, r->role);
	}
	u->aws_session_name = dup_or_null(pool, src->aws_session_name);
	u->aws_session_duration = src->aws_session_duration;
	return u;
}

void kg_list_add_unique(apr_array_header_t *list, const char *value)
{
	if (!kg_values_contain(list, value))
		APR_ARRAY_PUSH(list, const char *) = value;
}

static void write_nullable(kg_buf *b, const char *s)
{
	if (s)
		kg_buf_add_json_string(b, s);
	else
		kg_buf_adds(b, "null");
}

static void write_list(kg_buf *b, const apr_array_header_t *list)
{
	kg_buf_addc(b, '[');
	for (int i = 0; i < list->nelts; i++) {
		if (i > 0)
			kg_buf_addc(b, ',');
		kg_buf_add_json_string(b, APR_ARRAY_IDX(list, i, const char *));
	}
	kg_buf_addc(b, ']');
}

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const kg_bag_entry *)a)->name,
		      ((const kg_bag_entry *)b)->name);
}

static void write_attributes(kg_buf *b, const kg_bag *bag)
{
	int n = bag->entries->nelts;
	kg_bag_entry *sorted = apr_palloc(b->pool, sizeof(*sorted) * (n + 1));

	memcpy(sorted, bag->entries->elts, sizeof(*sorted) * (size_t)n);
	qsort(sorted, (size_t)n, sizeof(*sorted), compare_entries);
	kg_buf_addc(b, '{');
	for (int i = 0; i < n; i++) {
		if (i > 0)
			kg_buf_addc(b, ',');
		kg_buf_add_json_string(b, sorted[i].name);
		kg_buf_addc(b, ':');
		write_list(b, sorted[i].values);
	}
	kg_buf_addc(b, '}');
}

void kg_user_write_json(kg_buf *b, const kg_user *u)
{
	kg_buf_adds(b, "\"username\":");
	write_nullable(b, u->username);
	kg_buf_adds(b, ",\"email\":");
	write_nullable(b, u->email);
	kg_buf_adds(b, ",\"firstName\":");
	write_nullable(b, u->first_name);
	kg_buf_adds(b, ",\"lastName\":");
	write_nullable(b, u->last_name);
	kg_buf_adds(b, ",\"attributes\":");
	write_attributes(b, u->attributes);
	kg_buf_adds(b, ",\"roles\":");
	write_list(b, u->roles);
	kg_buf_adds(b, ",\"organizations\":");
	write_list(b, u->organizations);
	kg_buf_adds(b, ",\"aws\":{\"roles\":[");
	for (int i = 0; i < u->aws_roles->nelts; i++) {
		const kg_aws_role *r =
			&APR_ARRAY_IDX(u->aws_roles, i, kg_aws_role);
		if (i > 0)
			kg_buf_addc(b, ',');
		kg_buf_adds(b, "{\"principal\":");
		kg_buf_add_json_string(b, r->principal);
		kg_buf_adds(b, ",\"role\":");
		kg_buf_add_json_string(b, r->role);
		kg_buf_addc(b, '}');
	}
	kg_buf_adds(b, "],\"sessionName\":");
	write_nullable(b, u->aws_session_name);
	kg_buf_adds(b, ",\"sessionDuration\":");
	if (u->aws_session_duration >= 0)
		kg_buf_addf(b, "%lld", u->aws_session_duration);
	else
		kg_buf_adds(b, "null");
	kg_buf_addc(b, '}');
	if (u->id) {
		kg_buf_adds(b, ",\"id\":");
		kg_buf_add_json_string(b, u->id);
	}
}

static kg_rc type_error(kg_err *err, const kg_json *v, const char *what,
			const char *expected)
{
	return kg_err_set(err, KG_EINVAL, "%d:%d: %s must be %s, not %s",
			  v->line, v->col, what, expected,
			  kg_json_type_name(v->type));
}

/* Reads an optional string-or-null member. */
static kg_rc read_nullable(apr_pool_t *pool, const kg_json *obj,
			   const char *key, const char **out, kg_err *err)
{
	const kg_json *v = kg_json_get(obj, key);

	if (v == NULL || v->type == KG_JSON_NULL)
		return KG_OK;
	if (v->type != KG_JSON_STRING)
		return type_error(err, v, key, "a string or null");
	*out = apr_pstrdup(pool, v->str);
	return KG_OK;
}

static kg_rc read_string_list(apr_pool_t *pool, const kg_json *list,
			      const char *what, apr_array_header_t *out,
			      kg_err *err)
{
	if (list->type != KG_JSON_ARRAY)
		return type_error(err, list, what, "an array of strings");
	for (size_t i = 0; i < list->count; i++) {
		const kg_json *item = list->members[i].value;
		if (item->type != KG_JSON_STRING)
			return type_error(err, item, what,
					  "an array of strings");
		kg_list_add_unique(out, apr_pstrdup(pool, item->str));
	}
	return KG_OK;
}

static kg_rc read_aws(apr_pool_t *pool, const kg_json *aws, kg_user *u,
		      kg_err *err)
{
	const kg_json *roles = kg_json_get(aws, "roles");
	const kg_json *duration = kg_json_get(aws, "sessionDuration");
	long long seconds;

	if (aws->type != KG_JSON_OBJECT)
		return type_error(err, aws, "aws", "an object");
	for (size_t i = 0; roles && i < roles->count; i++) {
		const kg_json *r = roles->members[i].value;
		const kg_json *p = kg_json_get(r, "principal");
		const kg_json *a = kg_json_get(r, "role");
		kg_aws_role *dst;
		if (p == NULL || a == NULL || p->type != KG_JSON_STRING ||
		    a->type != KG_JSON_STRING)
			return type_error(err, r, "aws.roles[]",
					  "an object with principal and role");
		dst = apr_array_push(u->aws_roles);
		dst->principal = apr_pstrdup(pool, p->str);
		dst->role = apr_pstrdup(pool, a->str);
	}
	if (read_nullable(pool, aws, "sessionName", &u->aws_session_name,
			  err) != KG_OK)
		return KG_EINVAL;
	if (duration && duration->type != KG_JSON_NULL) {
		if (duration->type != KG_JSON_NUMBER ||
		    !kg_str_to_int(duration->str, 0, 1LL << 40, &seconds))
			return type_error(err, duration, "aws.sessionDuration",
					  "a whole number of seconds");
		u->aws_session_duration = seconds;
	}
	return KG_OK;
}

kg_rc kg_user_from_json(apr_pool_t *pool, const kg_json *v, kg_user **out,
			kg_err *err)
{
	kg_user *u = kg_user_make(pool);
	const kg_json *attrs, *list;

	if (v->type != KG_JSON_OBJECT)
		return type_error(err, v, "the user", "an object");
	if (read_nullable(pool, v, "id", &u->id, err) ||
	    read_nullable(pool, v, "username", &u->username, err) ||
	    read_nullable(pool, v, "email", &u->email, err) ||
	    read_nullable(pool, v, "firstName", &u->first_name, err) ||
	    read_nullable(pool, v, "lastName", &u->last_name, err))
		return KG_EINVAL;
	attrs = kg_json_get(v, "attributes");
	if (attrs && attrs->type != KG_JSON_OBJECT)
		return type_error(err, attrs, "attributes", "an object");
	for (size_t i = 0; attrs && i < attrs->count; i++) {
		apr_array_header_t *values =
			apr_array_make(pool, 2, sizeof(const char *));
		if (read_string_list(pool, attrs->members[i].value,
				     attrs->members[i].key, values, err))
			return KG_EINVAL;
		kg_bag_set(u->attributes, attrs->members[i].key, values);
	}
	if ((list = kg_json_get(v, "roles")) &&
	    read_string_list(pool, list, "roles", u->roles, err))
		return KG_EINVAL;
	if ((list = kg_json_get(v, "organizations")) &&
	    read_string_list(pool, list, "organizations", u->organizations,
			     err))
		return KG_EINVAL;
	if ((list = kg_json_get(v, "aws")) && list->type != KG_JSON_NULL &&
	    read_aws(pool, list, u, err))
		return KG_EINVAL;
	*out = u;
	return KG_OK;
}
