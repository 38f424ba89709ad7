/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the stable user ids (sessions/ids.c) against a
 * real redis-server (flow_fixture.h): an id per (provider, subject),
 * given once and kept; the email collision in both modes; a changed
 * email let go; the directory that `keygate users list|show` reads.
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"

#include "sessions/ids.h"

#include <apr_strings.h>
#include <string.h>

static kg_user *user(apr_pool_t *pool, const char *name, const char *email)
{
	kg_user *u = kgt_user(pool, name, NULL);

	u->email = email;
	return u;
}

static kg_sess_id_result assign(kgt_flow *f, const char *alias,
				const char *subject, const char *name,
				const char *email, bool link)
{
	kg_sess_id_result r;
	kg_err err = {0};

	assert_int_equal(kg_sess_id_assign(f->store, f->pool, alias, subject,
					   user(f->pool, name, email), link,
					   1000, &r, &err),
			 KG_OK);
	return r;
}

/* A version 4 UUID in lower-case hex. */
static void assert_uuid(const char *id)
{
	assert_non_null(id);
	assert_int_equal(strlen(id), 36);
	assert_int_equal(strspn(id, "0123456789abcdef-"), 36);
	assert_true(id[8] == '-' && id[13] == '-' && id[18] == '-' &&
		    id[23] == '-');
	assert_int_equal(id[14], '4');
}

static void test_first_login_gives_a_kept_id(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_id_result a = assign(f, "corp", "S-1", "jdoe", NULL, false);
	kg_sess_id_result again, other, same_sub;

	assert_int_equal(a.status, KG_SESS_ID_CREATED);
	assert_uuid(a.id);
	again = assign(f, "corp", "S-1", "jdoe", NULL, false);
	assert_int_equal(again.status, KG_SESS_ID_EXISTING);
	assert_string_equal(again.id, a.id);
	other = assign(f, "corp", "S-2", "jane", NULL, false);
	assert_int_equal(other.status, KG_SESS_ID_CREATED);
	assert_string_not_equal(other.id, a.id);
	/* the same subject at another provider is another identity */
	same_sub = assign(f, "okta", "S-1", "jdoe2", NULL, false);
	assert_string_not_equal(same_sub.id, a.id);
}

static void test_email_collision_denied(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_id_result a = assign(f, "corp", "A", "ann", "Ann@x.test", 0);
	kg_sess_id_result b = assign(f, "okta", "B", "ann2", "ann@x.TEST", 0);
	kg_sess_id_result later;

	assert_int_equal(b.status, KG_SESS_ID_CONFLICT);
	assert_null(b.id);
	assert_string_equal(b.owner, a.id);
	/* nothing was written: B with its own email is a new user */
	later = assign(f, "okta", "B", "ann2", "other@x.test", false);
	assert_int_equal(later.status, KG_SESS_ID_CREATED);
	assert_string_not_equal(later.id, a.id);
	/* and an identity with an id that claims a held email is refused */
	later = assign(f, "okta", "B", "ann2", "ann@x.test", false);
	assert_int_equal(later.status, KG_SESS_ID_CONFLICT);
}

static void test_email_collision_linked(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_id_result a = assign(f, "corp", "A", "ann", "ann@x.test", 1);
	kg_sess_id_result b = assign(f, "okta", "B", "ann", "ann@x.test", 1);
	kg_sess_id_result c = assign(f, "gh", "C", "cy", "cy@x.test", 1);
	kg_sess_id_user *u;
	kg_err err = {0};

	assert_int_equal(b.status, KG_SESS_ID_LINKED);
	assert_string_equal(b.id, a.id);
	assert_int_equal(kg_sess_id_show(f->store, f->pool, a.id, &u, &err),
			 KG_OK);
	assert_int_equal(u->identities, 2);
	/* an identity with an id keeps it when its email is held */
	c = assign(f, "gh", "C", "cy", "ann@x.test", true);
	assert_int_equal(c.status, KG_SESS_ID_EMAIL_HELD);
	assert_string_not_equal(c.id, a.id);
	assert_string_equal(c.owner, a.id);
}

static void test_changed_email_is_let_go(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_id_result a = assign(f, "corp", "A", "ann", "old@x.test", 0);
	kg_sess_id_result b;

	a = assign(f, "corp", "A", "ann", "new@x.test", false);
	assert_int_equal(a.status, KG_SESS_ID_EXISTING);
	b = assign(f, "okta", "B", "bo", "old@x.test", false);
	assert_int_equal(b.status, KG_SESS_ID_CREATED);
	b = assign(f, "okta", "B2", "bo2", "new@x.test", false);
	assert_int_equal(b.status, KG_SESS_ID_CONFLICT);
}

static void test_directory(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_id_result a = assign(f, "corp", "A", "ann", "ann@x.test", 0);
	kg_sess_id_result b = assign(f, "okta", "B", "bob", NULL, false);
	apr_array_header_t *list;
	kg_sess_id_user *u;
	kg_err err = {0};

	assert_int_equal(kg_sess_id_list(f->store, f->pool, &list, &err),
			 KG_OK);
	assert_int_equal(list->nelts, 2);
	u = APR_ARRAY_IDX(list, 0, kg_sess_id_user *);
	assert_true(strcmp(u->id, a.id) == 0 || strcmp(u->id, b.id) == 0);
	assert_int_equal(kg_sess_id_show(f->store, f->pool, "BOB", &u, &err),
			 KG_OK);
	assert_string_equal(u->id, b.id);
	assert_string_equal(u->alias, "okta");
	assert_null(u->email);
	assert_int_equal(u->created_ms, 1000);
	assert_int_equal(kg_sess_id_show(f->store, f->pool, a.id, &u, &err),
			 KG_OK);
	assert_string_equal(u->username, "ann");
	assert_string_equal(u->email, "ann@x.test");
	assert_int_equal(kg_sess_id_show(f->store, f->pool, "nobody", &u, &err),
			 KG_ENOTFOUND);
}

static void test_redis_down_is_backend(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_id_result r;
	kg_err err = {0};

	kgt_flow_stop_redis(f);
	assert_int_equal(kg_sess_id_assign(f->store, f->pool, "corp", "A",
					   user(f->pool, "ann", NULL), false, 1,
					   &r, &err),
			 KG_EBACKEND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_first_login_gives_a_kept_id),
		KGT_FLOW(test_email_collision_denied),
		KGT_FLOW(test_email_collision_linked),
		KGT_FLOW(test_changed_email_is_let_go),
		KGT_FLOW(test_directory),
		KGT_FLOW(test_redis_down_is_backend),
	};
	return KGT_RUN(tests);
}
