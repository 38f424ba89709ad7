/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Domino user as the mappers produce it, and its JSON form.
 *
 * The JSON form is the one `keygate map` prints and reads back with
 * --user, and the one a session record stores. Everything lives in the
 * pool the caller passes.
 */
#ifndef KG_USER_H
#define KG_USER_H

#include "bag.h"
#include "err.h"
#include "json.h"
#include "str.h"

typedef struct {
	const char *principal; /* arn:...:saml-provider/... */
	const char *role;      /* arn:...:role/... */
} kg_aws_role;

typedef struct {
	const char *id; /* the gateway's stable user id (a UUID, given at
			   the first login by sessions/ids.h), or NULL */
	const char *username;
	const char *email;
	const char *first_name;
	const char *last_name;
	kg_bag *attributes;
	apr_array_header_t *roles;	   /* const char *, no duplicates */
	apr_array_header_t *organizations; /* const char *, no duplicates */
	apr_array_header_t *aws_roles;	   /* kg_aws_role */
	const char *aws_session_name;
	long long aws_session_duration; /* seconds; -1 when absent */
} kg_user;

/* Returns an empty user (no names, no attributes, no roles). */
kg_user *kg_user_make(apr_pool_t *pool);

/* Returns a deep copy of src: every string is copied into pool, so the
 * copy outlives whatever src pointed into (a mapper generation). */
kg_user *kg_user_copy(apr_pool_t *pool, const kg_user *src);

/* Appends the user's members, without the enclosing braces:
 * "username":..,"email":..,"firstName":..,"lastName":..,"attributes":{..},
 * "roles":[..],"organizations":[..],"aws":{..}, and "id":".." when the
 * user has one (never for `keygate map`). Attribute names are
 * written in sorted order so the output is stable. */
void kg_user_write_json(kg_buf *b, const kg_user *user);

/* Reads a user from the JSON object v (the shape kg_user_write_json
 * writes; other members are ignored). On a type error returns KG_EINVAL
 * with the position in err. */
kg_rc kg_user_from_json(apr_pool_t *pool, const kg_json *v, kg_user **out,
			kg_err *err);

/* Adds value to a string list unless it is already there. */
void kg_list_add_unique(apr_array_header_t *list, const char *value);

#endif
