/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: Redis key names for sessions.
 */
#include "sessions/keyspace.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <string.h>

/* SHA-256 fetched once per process: SHA256() looks the algorithm up by
 * name on every call. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* Returns the hex SHA-256 of data[0..len) in pool. */
static const char *sha256_hex(apr_pool_t *pool, const void *data, size_t len)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char *out = apr_palloc(pool, 2 * SHA256_DIGEST_LENGTH + 1);

	pthread_once(&sha256_once, sha256_fetch);
	if (sha256_md == NULL ||
	    EVP_Digest(data, len, digest, NULL, sha256_md, NULL) != 1)
		SHA256(data, len, digest);
	kg_hex(digest, SHA256_DIGEST_LENGTH, out);
	return out;
}

void kg_sess_keyspace_fill(apr_pool_t *pool, const char *prefix, const char *id,
			   const char *username, kg_sess_keys4 *k)
{
	k->session = apr_pstrcat(pool, prefix, "s:", id, NULL);
	k->user = username ? apr_pstrcat(pool, prefix, "u:",
					 sha256_hex(pool, username,
						    strlen(username)),
					 NULL)
			   : apr_pstrcat(pool, prefix, "u:-", NULL);
	k->legacy = apr_pstrcat(pool, prefix, "realm", NULL);
	k->realm_exp = apr_pstrcat(pool, prefix, "realm:exp", NULL);
}

const char *kg_sess_keyspace_user_off(apr_pool_t *pool, const char *prefix,
				      const char *username)
{
	return apr_pstrcat(pool, prefix,
			   "u:", sha256_hex(pool, username, strlen(username)),
			   ":off", NULL);
}

const char *kg_sess_keyspace_session(apr_pool_t *pool, const char *prefix,
				     const char *id)
{
	return apr_pstrcat(pool, prefix, "s:", id, NULL);
}

const char *kg_sess_keyspace_session_prefix(apr_pool_t *pool,
					    const char *prefix)
{
	return apr_pstrcat(pool, prefix, "s:", NULL);
}

const char *kg_sess_keyspace_replay(apr_pool_t *pool, const char *prefix,
				    const void *data, size_t len)
{
	return apr_pstrcat(pool, prefix, "r:", sha256_hex(pool, data, len),
			   NULL);
}

const char *kg_sess_keyspace_hashed(apr_pool_t *pool, const char *prefix,
				    const char *tag, const void *data,
				    size_t len)
{
	return apr_pstrcat(pool, prefix, tag, sha256_hex(pool, data, len),
			   NULL);
}
