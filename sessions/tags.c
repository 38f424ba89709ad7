/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: tags on sessions.
 */
#include "sessions/tags.h"
#include "gateway/base/str.h"
#include "sessions/mac.h"
#include "sessions/store_impl.h"

#include <stdio.h>
#include <string.h>

static const char *tag_key_with(kg_sess_store *s, apr_pool_t *pool,
				const unsigned char *mac_key, const char *tag)
{
	char digest[65];

	kg_sess_mac_hex(mac_key, tag, strlen(tag), digest);
	return kg_psprintf(pool, "%stag:%s", s->conf->redis_prefix, digest);
}

/* The key new tags go under (the current secret's). */
static const char *tag_key(kg_sess_store *s, apr_pool_t *pool, const char *tag)
{
	return tag_key_with(s, pool, s->keys.current.cookie, tag);
}

kg_rc kg_sess_tag_add(kg_sess_store *s, apr_pool_t *pool, const char *tag,
		      const char *id, long long expires_ms, kg_err *err)
{
	const char *key = tag_key(s, pool, tag);
	const char *sadd[3] = {"SADD", key, id};
	const char *pttl[2] = {"PTTL", key};
	const char *extend[4] = {"PEXPIREAT", key, NULL, "GT"};
	const char *first[3] = {"PEXPIREAT", key, NULL};
	kg_sess_reply *reply;
	char at[24];
	kg_rc rc;

	snprintf(at, sizeof(at), "%lld", expires_ms);
	extend[2] = first[2] = at;
	rc = kg_sess_store_command(s, pool, 3, sadd, &reply, err);
	if (rc == KG_OK)
		rc = kg_sess_store_command(s, pool, 2, pttl, &reply, err);
	if (rc != KG_OK)
		return rc;
	/* a set with no TTL yet gets one; otherwise it is only ever
	 * extended, so a shorter session never shortens the tag */
	if (reply->type == KG_REPLY_INTEGER && reply->integer == -1)
		return kg_sess_store_command(s, pool, 3, first, &reply, err);
	return kg_sess_store_command(s, pool, 4, extend, &reply, err);
}

/* Ends the live sessions in the tag set at key, and drops the set. */
static kg_rc end_set(kg_sess_store *s, apr_pool_t *pool, const char *key,
		     const char *reason, int *ended, kg_err *err)
{
	const char *members[2] = {"SMEMBERS", key};
	const char *del[2] = {"DEL", key};
	kg_sess_reply *reply;
	kg_rc rc;

	rc = kg_sess_store_command(s, pool, 2, members, &reply, err);
	if (rc != KG_OK)
		return rc;
	for (size_t i = 0; reply->type == KG_REPLY_ARRAY && i < reply->count;
	     i++) {
		kg_sess_record *rec = NULL;
		kg_err why = {0};
		const kg_sess_reply *m = &reply->elems[i];

		if (m->type != KG_REPLY_STRING || m->len != KG_SESS_ID_LEN)
			continue;
		rc = kg_sess_store_fetch(s, pool, m->str, false, &rec, &why,
					 err);
		if (rc == KG_ENOTFOUND || (rc == KG_OK && rec == NULL))
			continue;
		if (rc != KG_OK)
			return rc;
		rc = kg_sess_store_delete(s, pool, rec, reason, err);
		if (rc != KG_OK)
			return rc;
		(*ended)++;
	}
	return kg_sess_store_command(s, pool, 2, del, &reply, err);
}

kg_rc kg_sess_tag_end(kg_sess_store *s, apr_pool_t *pool, const char *tag,
		      const char *reason, int *ended, kg_err *err)
{
	kg_rc rc;

	*ended = 0;
	rc = end_set(s, pool, tag_key(s, pool, tag), reason, ended, err);
	/* during a secret rollover, sessions tagged before it are under the
	 * previous secret's key */
	if (rc == KG_OK && s->keys.has_previous)
		rc = end_set(
			s, pool,
			tag_key_with(s, pool, s->keys.previous.cookie, tag),
			reason, ended, err);
	return rc;
}

const char *kg_sess_tag_saml_name_id(apr_pool_t *pool, const char *alias,
				     const char *name_id)
{
	return kg_psprintf(pool, "saml-nameid\n%s\n%s", alias, name_id);
}

const char *kg_sess_tag_saml_session(apr_pool_t *pool, const char *alias,
				     const char *name_id,
				     const char *session_index)
{
	return kg_psprintf(pool, "saml-session\n%s\n%s\n%s", alias, name_id,
			   session_index);
}

const char *kg_sess_tag_oidc_sid(apr_pool_t *pool, const char *issuer,
				 const char *sid)
{
	return kg_psprintf(pool, "oidc-sid\n%s\n%s", issuer, sid);
}

const char *kg_sess_tag_oidc_sub(apr_pool_t *pool, const char *issuer,
				 const char *sub)
{
	return kg_psprintf(pool, "oidc-sub\n%s\n%s", issuer, sub);
}
