/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: mapped bearer tokens and their revocation answers, one
 * kg_table entry per token.
 *
 * A user is copied into an unmanaged APR pool of its entry's own (its
 * own allocator), so entries are made and freed from any thread without
 * touching a shared pool.
 */
#include "gateway/flow/process/bearer_users.h"
#include "gateway/base/table.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	apr_pool_t *pool; /* NULL: the answer alone, no user */
	kg_bearer_user b;
	kg_bearer_answer answer;
} entry;

struct kg_bearer_users {
	kg_table *table; /* of entry */
	long long answer_max_ms;
};

static void entry_free(void *value)
{
	entry *e = value;

	if (e->pool)
		apr_pool_destroy(e->pool);
	free(e);
}

kg_bearer_users *kg_bearer_users_make(apr_pool_t *pool, size_t slots,
				      long long answer_max_ms)
{
	kg_bearer_users *c = apr_pcalloc(pool, sizeof(*c));
	kg_err err = {0};

	c->answer_max_ms = answer_max_ms;
	if (kg_table_make(pool, slots, entry_free, &c->table, &err) != KG_OK)
		return NULL;
	return c;
}

/* Copies b's strings and user into pool. */
static void copy_into(apr_pool_t *pool, const kg_bearer_user *b,
		      kg_bearer_user *out)
{
	*out = *b;
	out->user = kg_user_copy(pool, b->user);
	out->issuer = b->issuer ? apr_pstrdup(pool, b->issuer) : NULL;
	out->sub = b->sub ? apr_pstrdup(pool, b->sub) : NULL;
	out->jti = b->jti ? apr_pstrdup(pool, b->jti) : NULL;
	out->name = b->name ? apr_pstrdup(pool, b->name) : NULL;
}

/* What a get asks for and gets. */
typedef struct {
	const kg_bearer_users *c;
	apr_pool_t *pool;
	unsigned long long generation;
	long long now_ms;
	kg_bearer_user *out;
	kg_bearer_answer *answer;
} lookup;

static bool read_entry(const void *value, void *baton)
{
	const entry *e = value;
	lookup *l = baton;
	long long age = l->now_ms - e->answer.at_ms;

	if (e->answer.state != KG_BEARER_UNASKED && age >= 0 &&
	    age < l->c->answer_max_ms)
		*l->answer = e->answer;
	if (e->pool == NULL || e->b.generation != l->generation)
		return false;
	copy_into(l->pool, &e->b, l->out);
	return true;
}

bool kg_bearer_users_get(kg_bearer_users *c, apr_pool_t *pool,
			 const unsigned char digest[32],
			 unsigned long long generation, long long now_ms,
			 kg_bearer_user *out, kg_bearer_answer *answer)
{
	lookup l = {c, pool, generation, now_ms, out, answer};

	answer->state = KG_BEARER_UNASKED;
	return c && kg_table_get(c->table, digest, now_ms, read_entry, &l);
}

void kg_bearer_users_put(kg_bearer_users *c, const kg_bearer_user *b,
			 long long until_ms, const kg_bearer_answer *answer)
{
	entry *e;

	if (c == NULL || (e = calloc(1, sizeof(*e))) == NULL)
		return;
	if (apr_pool_create_unmanaged_ex(&e->pool, NULL, NULL) != APR_SUCCESS) {
		free(e);
		return;
	}
	copy_into(e->pool, b, &e->b);
	if (answer)
		e->answer = *answer;
	kg_table_put(c->table, b->digest, e, until_ms);
}

static void set_answer(void *value, long long *until_ms, void *baton)
{
	((entry *)value)->answer = *(const kg_bearer_answer *)baton;
}

void kg_bearer_users_answer(kg_bearer_users *c, const unsigned char digest[32],
			    const kg_bearer_answer *answer)
{
	entry *e;

	if (c == NULL || c->answer_max_ms <= 0 ||
	    kg_table_change(c->table, digest, answer->at_ms, set_answer,
			    (void *)answer) ||
	    answer->state != KG_BEARER_REVOKED ||
	    (e = calloc(1, sizeof(*e))) == NULL)
		return;
	e->answer = *answer;
	kg_table_put(c->table, digest, e, answer->at_ms + c->answer_max_ms);
}
