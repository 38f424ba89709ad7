/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: revoked bearer tokens and deactivated accounts.
 */
#include "sessions/revocation.h"
#include "gateway/base/str.h"
#include "sessions/mac.h"
#include "sessions/store_impl.h"

#include <stdio.h>
#include <string.h>

/* P rv:KIND:HASH of text, hashed with key. */
static const char *rv_key_with(kg_sess_store *s, apr_pool_t *pool,
			       const unsigned char *key, const char *kind,
			       const char *text)
{
	char digest[65];

	kg_sess_mac_hex(key, text, strlen(text), digest);
	return kg_psprintf(pool, "%srv:%s:%s", s->conf->redis_prefix, kind,
			   digest);
}

/* The key writes use (the current secret's). */
static const char *rv_key(kg_sess_store *s, apr_pool_t *pool, const char *kind,
			  const char *text)
{
	return rv_key_with(s, pool, s->keys.current.cookie, kind, text);
}

/* Adds the key of (kind, text) to argv, and its previous-secret form
 * during a rollover, so a revocation made before it still counts. */
static void add_both(kg_sess_store *s, apr_pool_t *pool, const char **argv,
		     int *argc, const char *kind, const char *text)
{
	argv[(*argc)++] = rv_key(s, pool, kind, text);
	if (s->keys.has_previous)
		argv[(*argc)++] = rv_key_with(s, pool, s->keys.previous.cookie,
					      kind, text);
}

static const char *account_text(apr_pool_t *pool, const char *issuer,
				const char *sub)
{
	return kg_psprintf(pool, "%s\n%s", issuer ? issuer : "", sub);
}

kg_rc kg_sess_token_check(kg_sess_store *s, apr_pool_t *pool,
			  const kg_sess_token_ids *t, bool *revoked,
			  kg_err *err)
{
	const char *argv[8] = {"MGET"};
	size_t lens[8];
	kg_sess_reply *reply;
	int argc = 1;
	kg_rc rc;

	*revoked = false;
	if (t->jti)
		add_both(s, pool, argv, &argc, "jti", t->jti);
	if (t->name)
		add_both(s, pool, argv, &argc, "name", t->name);
	if (t->sub)
		add_both(s, pool, argv, &argc, "acct",
			 account_text(pool, t->issuer, t->sub));
	if (t->username)
		argv[argc++] = kg_sess_keyspace_user_off(
			pool, s->conf->redis_prefix, t->username);
	if (argc == 1)
		return KG_OK;
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	rc = kg_sess_redis_command(s->redis, pool, argc, argv, lens, &reply,
				   err);
	if (rc != KG_OK)
		return rc;
	for (size_t i = 0; reply->type == KG_REPLY_ARRAY && i < reply->count;
	     i++)
		*revoked |= reply->elems[i].type == KG_REPLY_STRING;
	return KG_OK;
}

/* SET key 1 [EX ttl]. */
static kg_rc set_flag(kg_sess_store *s, apr_pool_t *pool, const char *key,
		      long long ttl_s, kg_err *err)
{
	char ttl[24];
	const char *argv[5] = {"SET", key, "1", "EX", ttl};
	size_t lens[5];
	kg_sess_reply *reply;
	int argc = ttl_s > 0 ? 5 : 3;

	snprintf(ttl, sizeof(ttl), "%lld", ttl_s);
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return kg_sess_redis_command(s->redis, pool, argc, argv, lens, &reply,
				     err);
}

kg_rc kg_sess_revoke_jti(kg_sess_store *s, apr_pool_t *pool, const char *jti,
			 long long expires_at_s, kg_err *err)
{
	const char *key = rv_key(s, pool, "jti", jti);
	char at[24];
	const char *argv[5] = {"SET", key, "1", "EXAT", at};
	size_t lens[5];
	kg_sess_reply *reply;

	if (expires_at_s <= 0)
		return set_flag(s, pool, key, 0, err);
	snprintf(at, sizeof(at), "%lld", expires_at_s);
	for (int i = 0; i < 5; i++)
		lens[i] = strlen(argv[i]);
	return kg_sess_redis_command(s->redis, pool, 5, argv, lens, &reply,
				     err);
}

kg_rc kg_sess_revoke_name(kg_sess_store *s, apr_pool_t *pool, const char *name,
			  long long ttl_s, kg_err *err)
{
	return set_flag(s, pool, rv_key(s, pool, "name", name), ttl_s, err);
}

/* Deletes key (active) or sets it for ever (not active). */
static kg_rc set_inactive(kg_sess_store *s, apr_pool_t *pool, const char *key,
			  bool active, kg_err *err)
{
	const char *argv[2] = {"DEL", key};
	size_t lens[2] = {3, strlen(key)};
	kg_sess_reply *reply;

	if (!active)
		return set_flag(s, pool, key, 0, err);
	return kg_sess_redis_command(s->redis, pool, 2, argv, lens, &reply,
				     err);
}

kg_rc kg_sess_account_set(kg_sess_store *s, apr_pool_t *pool,
			  const char *issuer, const char *sub, bool active,
			  kg_err *err)
{
	return set_inactive(
		s, pool,
		rv_key(s, pool, "acct", account_text(pool, issuer, sub)),
		active, err);
}

kg_rc kg_sess_user_set_active(kg_sess_store *s, apr_pool_t *pool,
			      const char *username, bool active, kg_err *err)
{
	return set_inactive(s, pool,
			    kg_sess_keyspace_user_off(
				    pool, s->conf->redis_prefix, username),
			    active, err);
}

kg_rc kg_sess_user_is_active(kg_sess_store *s, apr_pool_t *pool,
			     const char *username, bool *active, kg_err *err)
{
	const char *key = kg_sess_keyspace_user_off(pool, s->conf->redis_prefix,
						    username);
	const char *argv[2] = {"EXISTS", key};
	size_t lens[2] = {6, strlen(key)};
	kg_sess_reply *reply;
	kg_rc rc = kg_sess_redis_command(s->redis, pool, 2, argv, lens, &reply,
					 err);

	*active = true;
	if (rc == KG_OK)
		*active = !(reply->type == KG_REPLY_INTEGER &&
			    reply->integer == 1);
	return rc;
}
