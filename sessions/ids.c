/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the stable user ids (sessions/ids.h): one script gives an
 * identity its id, so two replicas' first logins of one identity agree.
 */
#include "sessions/ids.h"
#include "sessions/store_impl.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* KEYS: identity key, email key, the id directory. ARGV: new id, now_ms,
 * link (1/0), user key prefix (P id:u:), alias, username, email ("" for
 * none). Returns {status, id, owner}: status as kg_sess_id_status. */
static const char lua_assign[] =
	"local ikey, ekey, dir = KEYS[1], KEYS[2], KEYS[3]\n"
	"local new, now, link, upfx = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
	"local alias, user, email = ARGV[5], ARGV[6], ARGV[7]\n"
	"local id = redis.call('GET', ikey)\n"
	"local owner = false\n"
	"if email ~= '' then owner = redis.call('GET', ekey) end\n"
	"local status = 0\n"
	"if not id then\n"
	"  if owner then\n"
	"    if link ~= '1' then return {4, '', owner} end\n"
	"    id = owner\n"
	"    status = 2\n"
	"    redis.call('HINCRBY', upfx .. id, 'identities', '1')\n"
	"  else\n"
	"    id = new\n"
	"    status = 1\n"
	"    redis.call('ZADD', dir, now, id)\n"
	"    redis.call('HSET', upfx .. id, 'id', id, 'created_ms', now,\n"
	"               'identities', '1')\n"
	"  end\n"
	"  redis.call('SET', ikey, id)\n"
	"elseif owner and owner ~= id then\n"
	"  if link ~= '1' then return {4, '', owner} end\n"
	"  status = 3\n"
	"end\n"
	"local rec = upfx .. id\n"
	"if email ~= '' and not owner then\n"
	/* a changed email: the old one is let go */
	"  local old = redis.call('HGET', rec, 'email_key')\n"
	"  if old and old ~= ekey and redis.call('GET', old) == id then\n"
	"    redis.call('DEL', old)\n"
	"  end\n"
	"  redis.call('SET', ekey, id)\n"
	"  redis.call('HSET', rec, 'email_key', ekey)\n"
	"end\n"
	"redis.call('HSET', rec, 'alias', alias, 'username', user, 'email',\n"
	"           email, 'last_login_ms', now)\n"
	"return {status, id, owner or ''}\n";

/* Runs argv[0..argc) of C strings as one command (nkeys < 0) or the
 * assign script with nkeys keys. */
static kg_rc run(kg_sess_store *s, apr_pool_t *pool, int nkeys, int argc,
		 const char *const *argv, kg_sess_reply **out, kg_err *err);

static kg_sess_script assign_script = {lua_assign, ""};
static pthread_once_t assign_once = PTHREAD_ONCE_INIT;

static void assign_init(void)
{
	kg_sess_redis_script_init(&assign_script);
}

/* A random (version 4) UUID in pool, as Keycloak's user ids are. */
static kg_rc new_uuid(apr_pool_t *pool, const char **out, kg_err *err)
{
	unsigned char b[16];
	char *s = apr_palloc(pool, 37);

	if (RAND_bytes(b, sizeof(b)) != 1)
		return kg_err_set(err, KG_EINTERNAL, "no randomness");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(s, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
	*out = s;
	return KG_OK;
}

static kg_rc run(kg_sess_store *s, apr_pool_t *pool, int nkeys, int argc,
		 const char *const *argv, kg_sess_reply **out, kg_err *err)
{
	size_t *lens = apr_palloc(pool, (size_t)argc * sizeof(*lens));

	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if (nkeys < 0)
		return kg_sess_redis_command(s->redis, pool, argc, argv, lens,
					     out, err);
	pthread_once(&assign_once, assign_init);
	return kg_sess_redis_eval(s->redis, pool, &assign_script, nkeys, argc,
				  argv, lens, out, err);
}

/* field of fields as a number, 0 when absent. */
static long long number(apr_table_t *fields, const char *field)
{
	const char *v = apr_table_get(fields, field);

	return v ? strtoll(v, NULL, 10) : 0;
}

kg_rc kg_sess_id_assign(kg_sess_store *s, apr_pool_t *pool, const char *alias,
			const char *subject, const kg_user *user, bool link,
			long long now_ms, kg_sess_id_result *out, kg_err *err)
{
	const char *prefix = s->conf->redis_prefix;
	size_t alen = strlen(alias), slen = strlen(subject);
	char *ident = apr_palloc(pool, alen + slen + 1);
	const char *email = user->email ? kg_str_lower(pool, user->email) : "";
	const char *argv[10];
	char now[24];
	kg_sess_reply *r;
	kg_rc rc;

	memset(out, 0, sizeof(*out));
	memcpy(ident, alias, alen + 1);
	memcpy(ident + alen + 1, subject, slen);
	argv[0] = kg_sess_keyspace_hashed(pool, prefix, "id:i:", ident,
					  alen + 1 + slen);
	argv[1] = kg_sess_keyspace_hashed(pool, prefix, "id:e:", email,
					  strlen(email));
	argv[2] = apr_pstrcat(pool, prefix, "ids", NULL);
	if ((rc = new_uuid(pool, &argv[3], err)) != KG_OK)
		return rc;
	snprintf(now, sizeof(now), "%lld", now_ms);
	argv[4] = now;
	argv[5] = link ? "1" : "0";
	argv[6] = apr_pstrcat(pool, prefix, "id:u:", NULL);
	argv[7] = alias;
	argv[8] = user->username ? user->username : "";
	argv[9] = email;
	rc = run(s, pool, 3, 10, argv, &r, err);
	if (rc != KG_OK)
		return rc;
	if (r->type != KG_REPLY_ARRAY || r->count != 3 ||
	    r->elems[0].type != KG_REPLY_INTEGER ||
	    r->elems[0].integer < KG_SESS_ID_EXISTING ||
	    r->elems[0].integer > KG_SESS_ID_CONFLICT ||
	    r->elems[1].type != KG_REPLY_STRING ||
	    r->elems[2].type != KG_REPLY_STRING)
		return kg_err_set(err, KG_EINTERNAL,
				  "id script: unexpected reply");
	out->status = (kg_sess_id_status)r->elems[0].integer;
	out->id = r->elems[1].len ? r->elems[1].str : NULL;
	out->owner = r->elems[2].len ? r->elems[2].str : NULL;
	return KG_OK;
}

/* Reads P id:u:ID into *out; KG_ENOTFOUND when it has no fields. */
static kg_rc load_user(kg_sess_store *s, apr_pool_t *pool, const char *id,
		       kg_sess_id_user **out, kg_err *err)
{
	const char *argv[2] = {
		"HGETALL",
		apr_pstrcat(pool, s->conf->redis_prefix, "id:u:", id, NULL)};
	kg_sess_id_user *u;
	kg_sess_reply *r;
	kg_rc rc = run(s, pool, -1, 2, argv, &r, err);

	if (rc != KG_OK)
		return rc;
	if (r->type != KG_REPLY_ARRAY || r->count < 2)
		return KG_ENOTFOUND;
	u = apr_pcalloc(pool, sizeof(*u));
	u->fields = apr_table_make(pool, (int)(r->count / 2));
	for (size_t i = 0; i + 1 < r->count; i += 2)
		apr_table_setn(u->fields, r->elems[i].str, r->elems[i + 1].str);
	u->id = id;
	u->alias = apr_table_get(u->fields, "alias");
	u->username = apr_table_get(u->fields, "username");
	u->email = apr_table_get(u->fields, "email");
	if (u->email && u->email[0] == '\0')
		u->email = NULL;
	u->created_ms = number(u->fields, "created_ms");
	u->last_login_ms = number(u->fields, "last_login_ms");
	u->identities = number(u->fields, "identities");
	*out = u;
	return KG_OK;
}

kg_rc kg_sess_id_list(kg_sess_store *s, apr_pool_t *pool,
		      apr_array_header_t **out, kg_err *err)
{
	const char *argv[4] = {
		"ZRANGE", apr_pstrcat(pool, s->conf->redis_prefix, "ids", NULL),
		"0", "-1"};
	apr_array_header_t *list;
	kg_sess_reply *r;
	kg_rc rc = run(s, pool, -1, 4, argv, &r, err);

	if (rc != KG_OK)
		return rc;
	list = apr_array_make(pool, (int)r->count + 1,
			      sizeof(kg_sess_id_user *));
	for (size_t i = 0; r->type == KG_REPLY_ARRAY && i < r->count; i++) {
		kg_sess_id_user *u;
		rc = load_user(s, pool, r->elems[i].str, &u, err);
		if (rc == KG_ENOTFOUND)
			continue;
		if (rc != KG_OK)
			return rc;
		APR_ARRAY_PUSH(list, kg_sess_id_user *) = u;
	}
	*out = list;
	return KG_OK;
}

kg_rc kg_sess_id_show(kg_sess_store *s, apr_pool_t *pool, const char *who,
		      kg_sess_id_user **out, kg_err *err)
{
	apr_array_header_t *list;
	kg_rc rc = load_user(s, pool, who, out, err);

	if (rc != KG_ENOTFOUND)
		return rc;
	if ((rc = kg_sess_id_list(s, pool, &list, err)) != KG_OK)
		return rc;
	for (int i = 0; i < list->nelts; i++) {
		kg_sess_id_user *u = APR_ARRAY_IDX(list, i, kg_sess_id_user *);
		if (u->username && strcasecmp(u->username, who) == 0) {
			*out = u;
			return KG_OK;
		}
	}
	return kg_err_set(err, KG_ENOTFOUND, "no user \"%s\"", who);
}
