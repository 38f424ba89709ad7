/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the replay cache (SAML assertion and logout IDs, OIDC states,
 * nonces and logout-token jtis seen before, kept until they expire) and
 * the liveness ping.
 */
#include "sessions/store_impl.h"
#include "gateway/base/str.h"

#include <stdio.h>
#include <string.h>

/* The namespaces in use (one list, so two never collide) and the id
 * each remembers; the key is P r: + SHA-256 of "NS:ID":
 *   saml      ALIAS:AssertionID      one login per bearer assertion
 *   saml-request ALIAS:AuthnRequestID  one accepted Response per
 *                                    AuthnRequest
 *   saml-aws  ALIAS:AssertionID      one STS call per AWS Response
 *   saml-slo  ALIAS:LogoutRequestID  one IdP-initiated logout
 *   logout    JTI                    one OIDC back-channel logout token
 *   state     STATE                  one OIDC callback
 *   nonce     NONCE                  one ID token
 * The first five hash the same text as the keys written before this
 * function existed, so their entries survive a rolling upgrade. The
 * nonce was hashed bare before; why the new key is safe is told where
 * it is checked (gateway/flow/login/oidc.c). */
/* The key of id in namespace ns into *key. */
static kg_rc replay_key(kg_sess_store *store, apr_pool_t *pool, const char *ns,
			const char *id, const char **key, kg_err *err)
{
	const char *name;

	if (ns == NULL || *ns == '\0' || strchr(ns, ':') != NULL)
		return kg_err_set(err, KG_EINTERNAL,
				  "replay-cache namespace is not a plain name");
	if (id == NULL)
		return kg_err_set(err, KG_EINVAL, "no id for the replay cache");
	name = kg_psprintf(pool, "%s:%s", ns, id);
	*key = kg_sess_keyspace_replay(pool, store->conf->redis_prefix, name,
				       strlen(name));
	return KG_OK;
}

kg_rc kg_sess_replay_once(kg_sess_store *store, apr_pool_t *pool,
			  const char *ns, const char *id, long long until_ms,
			  long long now_ms, bool *first, kg_err *err)
{
	const char *key;
	char at[24];
	const char *argv[6] = {"SET", NULL, "1", "NX", "PXAT", at};
	size_t lens[6];
	kg_sess_reply *reply;
	kg_rc rc;

	if ((rc = replay_key(store, pool, ns, id, &key, err)) != KG_OK)
		return rc;
	if (until_ms <= now_ms)
		return kg_err_set(err, KG_EINVAL,
				  "replay-cache entry already expired");
	argv[1] = key;
	snprintf(at, sizeof(at), "%lld", until_ms);
	for (int i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	rc = kg_sess_redis_command(store->redis, pool, 6, argv, lens, &reply,
				   err);
	if (rc != KG_OK)
		return rc;
	*first = reply->type == KG_REPLY_STATUS;
	return KG_OK;
}

kg_rc kg_sess_replay_seen(kg_sess_store *store, apr_pool_t *pool,
			  const char *ns, const char *id, bool *seen,
			  kg_err *err)
{
	const char *argv[2] = {"EXISTS", NULL};
	size_t lens[2];
	kg_sess_reply *reply;
	kg_rc rc;

	if ((rc = replay_key(store, pool, ns, id, &argv[1], err)) != KG_OK)
		return rc;
	lens[0] = strlen(argv[0]);
	lens[1] = strlen(argv[1]);
	rc = kg_sess_redis_command(store->redis, pool, 2, argv, lens, &reply,
				   err);
	if (rc != KG_OK)
		return rc;
	if (reply->type != KG_REPLY_INTEGER)
		return kg_err_set(err, KG_EBACKEND,
				  "Redis answered EXISTS with no integer");
	*seen = reply->integer > 0;
	return KG_OK;
}

kg_rc kg_sess_store_ping(kg_sess_store *s, apr_pool_t *pool, kg_err *err)
{
	const char *argv[1] = {"PING"};
	size_t lens[1] = {4};
	kg_sess_reply *reply;

	return kg_sess_redis_command(s->redis, pool, 1, argv, lens, &reply,
				     err);
}
