/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session store on Redis: load, create under the limits,
 * touch and delete. Audit events are logged at notice level in a fixed
 * format; no cookie, record or secret is ever logged.
 */
#include "sessions/store_impl.h"
#include "sessions/scripts.h"
#include "gateway/base/metrics.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <stdio.h>
#include <string.h>

static apr_status_t store_wipe(void *data)
{
	kg_sess_store *s = data;

	kg_sess_keys_wipe(&s->keys);
	return APR_SUCCESS;
}

kg_rc kg_sess_store_open(apr_pool_t *pool, const kg_conf_sessions *conf,
			 const kg_log *log, kg_sess_store **out, kg_err *err)
{
	kg_sess_store *s = apr_pcalloc(pool, sizeof(*s));

	s->conf = conf;
	s->log = log;
	if (kg_sess_keys_derive(conf, &s->keys, err) != KG_OK)
		return err ? err->rc : KG_ECONFIG;
	apr_pool_cleanup_register(pool, s, store_wipe, apr_pool_cleanup_null);
	/* registered after the wipe, so cleared before it */
	if (kg_sess_keycache_open(pool, &s->keys, &s->keycache, err) != KG_OK)
		return KG_EINTERNAL;
	if (kg_sess_redis_open(pool, conf, log, &s->redis, err) != KG_OK)
		return KG_EINTERNAL;
	s->create.text = kg_sess_lua_create;
	s->touch.text = kg_sess_lua_touch;
	s->del.text = kg_sess_lua_delete;
	s->count.text = kg_sess_lua_count;
	kg_sess_redis_script_init(&s->create);
	kg_sess_redis_script_init(&s->touch);
	kg_sess_redis_script_init(&s->del);
	kg_sess_redis_script_init(&s->count);
	*out = s;
	return KG_OK;
}

kg_rc kg_sess_store_run(kg_sess_store *s, apr_pool_t *pool,
			const kg_sess_script *script, const kg_sess_keys4 *k,
			int nargs, const char *const *args, const size_t *lens,
			kg_sess_reply **out, kg_err *err)
{
	int argc = 4 + nargs;
	const char **argv = apr_palloc(pool, argc * sizeof(*argv));
	size_t *argvlen = apr_palloc(pool, argc * sizeof(*argvlen));
	size_t klen = strlen(k->session);
	kg_rc rc;

	argv[0] = k->session;
	argv[1] = k->user;
	argv[2] = k->legacy;
	argv[3] = k->realm_exp;
	for (int i = 0; i < nargs; i++)
		argv[4 + i] = args[i];
	for (int i = 0; i < argc; i++)
		argvlen[i] = i >= 4 && lens ? lens[i - 4] : strlen(argv[i]);
	rc = kg_sess_redis_eval(s->redis, pool, script, 4, argc, argv, argvlen,
				out, err);
	/* this process reads its own writes at once, without waiting for
	 * Redis's notice (which the other gateways get) */
	if (s->cache && klen > s->key_prefix_len)
		kg_sess_cache_invalidate(s->cache,
					 k->session + s->key_prefix_len,
					 klen - s->key_prefix_len);
	return rc;
}

kg_rc kg_sess_store_command(kg_sess_store *s, apr_pool_t *pool, int argc,
			    const char **argv, kg_sess_reply **reply,
			    kg_err *err)
{
	size_t lens[8];

	if (argc > 8)
		return kg_err_set(err, KG_EINTERNAL, "too many arguments");
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return kg_sess_redis_command(s->redis, pool, argc, argv, lens, reply,
				     err);
}

const kg_sess_keyctx *kg_sess_store_keyctx(kg_sess_store *s, kg_err *err)
{
	const kg_sess_keyctx *kc = kg_sess_keycache_get(s->keycache);

	if (kc == NULL)
		kg_err_set(err, KG_EINTERNAL, "session key setup failed");
	return kc;
}

void kg_sess_short_id(const char *id, char out[9])
{
	size_t n = strnlen(id, 8);

	memcpy(out, id, n);
	out[n] = '\0';
}

/* GETs the sealed record of id. KG_ENOTFOUND when there is none. */
static kg_rc get_sealed(kg_sess_store *s, apr_pool_t *pool, const char *id,
			bool use_cache, kg_sess_reply **out, kg_err *err)
{
	const char *argv[2];
	size_t lens[2];
	long long now = (long long)(apr_time_now() / 1000);
	uint64_t ticket = 0;
	kg_rc rc;

	if (s->cache && use_cache) {
		kg_sess_reply *hit = apr_pcalloc(pool, sizeof(*hit));
		const unsigned char *data;
		if (kg_sess_cache_get(s->cache, pool, id, now, &data,
				      &hit->len)) {
			hit->type = KG_REPLY_STRING;
			hit->str = (const char *)data;
			*out = hit;
			return KG_OK;
		}
	}
	/* taken before the GET, so a notice that overtakes it wins */
	if (s->cache)
		ticket = kg_sess_cache_ticket(s->cache);
	argv[0] = "GET";
	argv[1] = kg_sess_keyspace_session(pool, s->conf->redis_prefix, id);
	lens[0] = 3;
	lens[1] = strlen(argv[1]);
	rc = kg_sess_redis_command(s->redis, pool, 2, argv, lens, out, err);
	if (rc == KG_OK && (*out)->type != KG_REPLY_STRING)
		return kg_err_set(err, KG_ENOTFOUND, "no session");
	if (rc == KG_OK && s->cache)
		kg_sess_cache_put(s->cache, id,
				  (const unsigned char *)(*out)->str,
				  (*out)->len, ticket, now);
	return rc;
}

/* The watch's notices, for the cache: keys are "P s:ID". */
static void watch_invalidate(void *ctx, const char *key, size_t len)
{
	kg_sess_store *s = ctx;

	if (len > s->key_prefix_len)
		kg_sess_cache_invalidate(s->cache, key + s->key_prefix_len,
					 len - s->key_prefix_len);
}

static void watch_flush(void *ctx)
{
	kg_sess_store *s = ctx;

	kg_sess_cache_flush(s->cache);
}

static void watch_up(void *ctx, bool up)
{
	kg_sess_store *s = ctx;

	kg_sess_cache_set_up(s->cache, up);
}

static void watch_alive(void *ctx, long long sent_ago_ms)
{
	kg_sess_store *s = ctx;

	kg_sess_cache_alive(s->cache,
			    (long long)(apr_time_now() / 1000) - sent_ago_ms);
}

#define KG_SESS_CACHE_MAX_AGE_MS 10000

kg_rc kg_sess_store_cache_start(kg_sess_store *s, apr_pool_t *pool,
				size_t slots, kg_err *err)
{
	kg_sess_watch_sink sink = {watch_invalidate, watch_flush, watch_up,
				   watch_alive, s};
	const char *prefix =
		kg_sess_keyspace_session(pool, s->conf->redis_prefix, "");

	s->cache = kg_sess_cache_make(pool, slots, KG_SESS_CACHE_MAX_AGE_MS);
	if (s->cache == NULL)
		return kg_err_set(err, KG_EINTERNAL,
				  "no memory for the "
				  "session cache");
	kg_sess_cache_set_freshness(s->cache, s->conf->cache_freshness_ms);
	s->key_prefix_len = strlen(prefix);
	return kg_sess_redis_watch_start(s->redis, pool, prefix, &sink, err);
}

kg_rc kg_sess_store_follow_start(kg_sess_store *s, apr_pool_t *pool,
				 kg_err *err)
{
	return kg_sess_redis_follow_start(s->redis, pool, err);
}

/* Deletes a session whose record does not open, with its realm index
 * entries (its user is unknown; that index prunes itself). */
static kg_rc drop_unreadable(kg_sess_store *s, apr_pool_t *pool, const char *id,
			     const char *why, kg_err *err)
{
	kg_sess_keys4 k;
	kg_sess_reply *reply;
	char short_id[9];

	kg_sess_short_id(id, short_id);
	kg_log_emit(s->log, KG_LOG_WARN, "KG-0321",
		    "session record unreadable, deleted sess=%s reason=%s",
		    short_id, why);
	kg_sess_keyspace_fill(pool, s->conf->redis_prefix, id, NULL, &k);
	return kg_sess_store_run(s, pool, &s->del, &k, 0, NULL, NULL, &reply,
				 err);
}

kg_rc kg_sess_store_fetch(kg_sess_store *s, apr_pool_t *pool, const char *id,
			  bool use_cache, kg_sess_record **out, kg_err *why,
			  kg_err *err)
{
	const kg_sess_keyctx *kc = kg_sess_store_keyctx(s, err);
	kg_sess_reply *sealed;
	kg_rc rc;

	if (kc == NULL)
		return KG_EINTERNAL;
	rc = get_sealed(s, pool, id, use_cache, &sealed, err);
	if (rc != KG_OK)
		return rc;
	if (kg_sess_record_unseal_ctx(pool, kc, id,
				      (const unsigned char *)sealed->str,
				      sealed->len, out, why) != KG_OK)
		*out = NULL;
	return KG_OK;
}

/* Loads and opens the record of id (from this process's cache when
 * use_cache and it holds it); an unreadable one is dropped. */
static kg_rc load_id(kg_sess_store *s, apr_pool_t *pool, const char *id,
		     bool use_cache, kg_sess_record **out, kg_err *err)
{
	kg_err why;
	kg_rc rc;

	kg_err_clear(&why);
	rc = kg_sess_store_fetch(s, pool, id, use_cache, out, &why, err);
	if (rc != KG_OK || *out != NULL)
		return rc;
	rc = drop_unreadable(s, pool, id, why.msg, err);
	if (rc != KG_OK)
		return rc;
	return kg_err_set(err, KG_ENOTFOUND, "session record unreadable");
}

kg_rc kg_sess_store_reload(kg_sess_store *s, apr_pool_t *pool, const char *id,
			   kg_sess_record **out, kg_err *err)
{
	if (strlen(id) != KG_SESS_ID_LEN)
		return kg_err_set(err, KG_ENOTFOUND, "no such session id");
	return load_id(s, pool, id, false, out, err);
}

kg_rc kg_sess_store_load(kg_sess_store *s, apr_pool_t *pool, const char *cookie,
			 size_t len, kg_sess_record **out, kg_err *err)
{
	char id[KG_SESS_ID_LEN + 1];
	const kg_sess_keyctx *kc;
	kg_err miss;
	kg_rc rc;

	if (!kg_sess_cookie_is_valid(cookie, len)) {
		kg_log_emit(s->log, KG_LOG_WARN, "KG-0320",
			    "session cookie malformed len=%zu", len);
		return kg_err_set(err, KG_ENOTFOUND,
				  "session cookie malformed");
	}
	if ((kc = kg_sess_store_keyctx(s, err)) == NULL)
		return KG_EINTERNAL;
	if (!kg_sess_cookie_id_ctx(kc->id[0], cookie, id))
		return kg_err_set(err, KG_EINTERNAL, "cookie HMAC failed");
	kg_err_clear(&miss);
	rc = load_id(s, pool, id, true, out, &miss);
	if (rc == KG_ENOTFOUND && kc->count > 1) {
		/* a cookie issued before the secret rolled over */
		if (!kg_sess_cookie_id_ctx(kc->id[1], cookie, id))
			return kg_err_set(err, KG_EINTERNAL,
					  "cookie HMAC failed");
		kg_err_clear(&miss);
		rc = load_id(s, pool, id, true, out, &miss);
	}
	if (rc != KG_OK)
		return kg_err_set(err, rc, "%s", miss.msg);
	return KG_OK;
}

/* The deadline of rec as text, and the time it has left. */
static kg_rc check_deadline(const kg_sess_record *rec, long long now_ms,
			    char deadline[24], kg_err *err)
{
	long long d = kg_sess_record_deadline(rec);

	if (d <= now_ms)
		return kg_err_set(err, KG_EINVAL,
				  "session deadline is not after now");
	snprintf(deadline, 24, "%lld", d);
	return KG_OK;
}

/* Logs the audit events of a create script's reply. */
static void log_created(kg_sess_store *s, const kg_sess_record *rec,
			const kg_conf_flow_limits *limits,
			const kg_sess_reply *reply, kg_sess_created *out)
{
	const char *user = rec->user->username ? rec->user->username : "";
	long long user_evictions = reply->elems[2].integer;
	char short_id[9];

	for (size_t i = 4; i < reply->count; i++) {
		bool by_user = (long long)(i - 4) < user_evictions;
		kg_sess_short_id(reply->elems[i].str, short_id);
		kg_metrics_add(by_user ? KG_M_EVICT_USER : KG_M_EVICT_REALM);
		kg_log_emit(s->log, KG_LOG_NOTICE, "KG-0302",
			    "AUDIT event=%s outcome=success actor=%s target=%s "
			    "sess=%s limit=%s max=%lld",
			    "Session Evicted", user, by_user ? user : "-",
			    short_id, by_user ? "user" : "realm",
			    by_user ? limits->user.max : limits->realm.max);
	}
	out->evicted = (int)(reply->count - 4);
	out->score_ms = reply->elems[3].integer;
	out->realm_logged = reply->elems[1].integer == 1;
	if (out->realm_logged)
		kg_log_emit(s->log, KG_LOG_NOTICE, "KG-0304",
			    "session realm limit reached, log only user=%s "
			    "max=%lld",
			    user, limits->realm.max);
	kg_sess_short_id(rec->id, short_id);
	kg_log_emit(s->log, KG_LOG_NOTICE, "KG-0301",
		    "session created sess=%s user=%s idp=%s flow=%s", short_id,
		    user, rec->idp ? rec->idp : "",
		    kg_conf_flow_name(rec->flow));
}

static kg_rc denied(kg_sess_store *s, const kg_sess_record *rec,
		    const kg_conf_flow_limits *limits, bool by_realm,
		    kg_sess_created *out, kg_err *err)
{
	const kg_conf_session_limit *l =
		by_realm ? &limits->realm : &limits->user;

	out->denied_by_realm = by_realm;
	out->deny_message = l->message ? l->message : KG_LIMIT_MESSAGE_KEY;
	kg_log_emit(s->log, KG_LOG_NOTICE, "KG-0303",
		    "session denied user=%s flow=%s limit=%s max=%lld",
		    rec->user->username ? rec->user->username : "",
		    kg_conf_flow_name(rec->flow), by_realm ? "realm" : "user",
		    l->max);
	return kg_err_set(err, KG_EDENIED, "%s", out->deny_message);
}

kg_rc kg_sess_store_create(kg_sess_store *s, apr_pool_t *pool,
			   kg_sess_record *rec,
			   const kg_conf_flow_limits *limits, long long now_ms,
			   kg_sess_created *out, kg_err *err)
{
	char deadline[24], ttl[24], umax[24], rmax[24], ubeh[4], rbeh[4];
	const char *args[6];
	size_t lens[6];
	unsigned char *sealed;
	size_t sealed_len;
	kg_sess_keys4 k;
	kg_sess_reply *reply;
	const kg_sess_keyctx *kc;
	kg_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_deadline(rec, now_ms, deadline, err)) != KG_OK ||
	    (rc = kg_sess_cookie_new(out->cookie, err)) != KG_OK)
		return rc;
	if ((kc = kg_sess_store_keyctx(s, err)) == NULL)
		return KG_EINTERNAL;
	if (!kg_sess_cookie_id_ctx(kc->id[0], out->cookie, rec->id))
		return kg_err_set(err, KG_EINTERNAL, "cookie HMAC failed");
	rc = kg_sess_record_seal_as(
		pool, kc, rec, (size_t)s->conf->max_record_bytes,
		(int)s->conf->record_format, &sealed, &sealed_len, err);
	if (rc != KG_OK)
		return rc;
	snprintf(ttl, sizeof(ttl), "%lld",
		 kg_sess_record_deadline(rec) - now_ms);
	snprintf(umax, sizeof(umax), "%lld", limits->user.max);
	snprintf(rmax, sizeof(rmax), "%lld", limits->realm.max);
	snprintf(ubeh, sizeof(ubeh), "%d", (int)limits->user.behaviour);
	snprintf(rbeh, sizeof(rbeh), "%d", (int)limits->realm.behaviour);
	args[0] = (const char *)sealed;
	args[1] = ttl;
	args[2] = umax;
	args[3] = ubeh;
	args[4] = rmax;
	args[5] = rbeh;
	for (int i = 0; i < 6; i++)
		lens[i] = i == 0 ? sealed_len : strlen(args[i]);
	kg_sess_keyspace_fill(pool, s->conf->redis_prefix, rec->id,
			      rec->user->username, &k);
	/* the create script's third key is the user's deactivation flag */
	k.legacy = kg_sess_keyspace_user_off(
		pool, s->conf->redis_prefix,
		rec->user->username ? rec->user->username : "");
	rc = kg_sess_store_run(s, pool, &s->create, &k, 6, args, lens, &reply,
			       err);
	if (rc != KG_OK)
		return rc;
	if (reply->type != KG_REPLY_ARRAY || reply->count < 4)
		return kg_err_set(err, KG_EINTERNAL,
				  "session create script: bad reply");
	switch (reply->elems[0].integer) {
	case 1:
		return denied(s, rec, limits, false, out, err);
	case 2:
		return denied(s, rec, limits, true, out, err);
	case 4:
		out->deactivated = true;
		out->deny_message = KG_SESS_DEACTIVATED_MESSAGE;
		kg_log_emit(s->log, KG_LOG_NOTICE, "KG-0720",
			    "session denied user=%s flow=%s reason=deactivated",
			    rec->user->username ? rec->user->username : "",
			    kg_conf_flow_name(rec->flow));
		return kg_err_set(err, KG_EDENIED, "%s", out->deny_message);
	default: /* 0 created, 3 created by the first try of a retry */
		log_created(s, rec, limits, reply, out);
		return KG_OK;
	}
}

kg_rc kg_sess_store_touch(kg_sess_store *s, apr_pool_t *pool,
			  kg_sess_record *rec, long long now_ms, bool *written,
			  kg_err *err)
{
	long long interval_ms = s->conf->touch_interval_s * 1000;
	kg_rc rc;

	*written = false;
	if (now_ms - rec->last_access_ms < interval_ms)
		return KG_OK;
	/* every request that read the same cached copy finds the touch due
	 * while the first write is in flight: that one alone writes */
	if (s->cache &&
	    !kg_sess_cache_claim_touch(s->cache, rec->id, now_ms, interval_ms))
		return KG_OK;
	rc = kg_sess_store_save(s, pool, rec, now_ms, written, err);
	if (rc != KG_OK && s->cache)
		kg_sess_cache_unclaim_touch(s->cache, rec->id, now_ms);
	return rc;
}

kg_rc kg_sess_store_save(kg_sess_store *s, apr_pool_t *pool,
			 kg_sess_record *rec, long long now_ms, bool *written,
			 kg_err *err)
{
	char deadline[24], ttl[24];
	const char *args[2];
	size_t lens[2];
	unsigned char *sealed;
	size_t sealed_len;
	long long before = rec->last_access_ms;
	kg_sess_keys4 k;
	kg_sess_reply *reply;
	const kg_sess_keyctx *kc;
	kg_rc rc;

	*written = false;
	if ((kc = kg_sess_store_keyctx(s, err)) == NULL)
		return KG_EINTERNAL;
	rec->last_access_ms = now_ms;
	if ((rc = check_deadline(rec, now_ms, deadline, err)) != KG_OK ||
	    (rc = kg_sess_record_seal_as(pool, kc, rec,
					 (size_t)s->conf->max_record_bytes,
					 (int)s->conf->record_format, &sealed,
					 &sealed_len, err)) != KG_OK) {
		rec->last_access_ms = before;
		return rc;
	}
	snprintf(ttl, sizeof(ttl), "%lld",
		 kg_sess_record_deadline(rec) - now_ms);
	args[0] = (const char *)sealed;
	args[1] = ttl;
	lens[0] = sealed_len;
	lens[1] = strlen(ttl);
	kg_sess_keyspace_fill(pool, s->conf->redis_prefix, rec->id,
			      rec->user->username, &k);
	rc = kg_sess_store_run(s, pool, &s->touch, &k, 2, args, lens, &reply,
			       err);
	if (rc != KG_OK) {
		rec->last_access_ms = before;
		return rc;
	}
	if (reply->type != KG_REPLY_INTEGER || reply->integer != 1)
		return kg_err_set(err, KG_ENOTFOUND, "session ended meanwhile");
	*written = true;
	return KG_OK;
}

/* How each reason a session ends for reads in the audit trail: Domino's
 * event name where one applies, and who ended it (the user, the
 * identity provider, an admin or keygate itself). */
static const struct {
	const char *reason, *event, *actor; /* actor NULL: the user */
	kg_metric counted;		    /* KG_M_COUNT: not counted */
} session_ends[] = {
	{"logout", "User Log Out", NULL, KG_M_LOGOUT_LOCAL},
	{"saml_logout", "User Log Out", "idp", KG_M_LOGOUT_SAML},
	{"backchannel_logout", "User Log Out", "idp", KG_M_LOGOUT_OIDC},
	{"idle-expired", "Session Expired", "keygate", KG_M_SESSION_EXPIRED},
	{"max-expired", "Session Expired", "keygate", KG_M_SESSION_EXPIRED},
	{"admin-kill", "Session Killed", "admin", KG_M_SESSION_KILLED},
	{"deactivated", "User Deactivated", "admin", KG_M_SESSION_KILLED},
	{"user_deactivated", "User Deactivated", "admin", KG_M_SESSION_KILLED},
};

/* Logs the end of rec's session as an audit event (KG-0305). */
static void audit_ended(kg_sess_store *s, const kg_sess_record *rec,
			const char *reason, const char *short_id)
{
	const char *user =
		rec->user && rec->user->username ? rec->user->username : "-";
	const char *event = "Session Ended", *actor = "keygate";

	for (size_t i = 0; i < sizeof(session_ends) / sizeof(*session_ends);
	     i++) {
		if (strcmp(session_ends[i].reason, reason) == 0) {
			event = session_ends[i].event;
			actor = session_ends[i].actor;
			kg_metrics_add(session_ends[i].counted);
			if (actor && strcmp(actor, "idp") == 0 && rec->idp)
				actor = rec->idp;
			if (actor == NULL)
				actor = user;
			break;
		}
	}
	kg_log_emit(s->log, KG_LOG_NOTICE, "KG-0305",
		    "AUDIT event=%s outcome=success actor=%s target=%s "
		    "reason=%s sess=%s",
		    event, actor, user, reason, short_id);
}

kg_rc kg_sess_store_delete(kg_sess_store *s, apr_pool_t *pool,
			   const kg_sess_record *rec, const char *reason,
			   kg_err *err)
{
	char short_id[9];
	kg_sess_keys4 k;
	kg_sess_reply *reply;
	kg_rc rc;

	kg_sess_keyspace_fill(pool, s->conf->redis_prefix, rec->id,
			      rec->user ? rec->user->username : NULL, &k);
	rc = kg_sess_store_run(s, pool, &s->del, &k, 0, NULL, NULL, &reply,
			       err);
	if (rc != KG_OK)
		return rc;
	kg_sess_short_id(rec->id, short_id);
	audit_ended(s, rec, reason, short_id);
	return KG_OK;
}
