/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the live mapper set (gateway/flow/process/
 * mappers_live.c). Two live sets on one state directory stand for two
 * httpd children of one server: whatever each one saw of the source,
 * both end on the last version that compiled, also one that never saw
 * it; a child that starts while the source is broken starts from the
 * last good copy; an altered copy is not used, and a server under
 * another secret has a copy of its own.
 */
#include "tests/unit/fixture.h"
#include "gateway/flow/process/mappers_live.h"

#include <apr_strings.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EMPTY "{\"identityProviderMappers\": []}"
#define ADMINS                                                                 \
	"{\"identityProviderMappers\": [{\"name\": \"admins\", "               \
	"\"identityProviderAlias\": \"bearer\", "                              \
	"\"identityProviderMapper\": \"oidc-role-idp-mapper\", \"config\": "   \
	"{\"claim\": \"sub\", \"claim.value\": \"svc\", \"role\": "            \
	"\"SysAdmin\"}}]}"
#define BROKEN "{\"identityProviderMappers\": [{\"name\": \"broken\""

typedef struct {
	apr_pool_t *pool;
	const char *dir, *state, *path;
	kg_conf_secret secret;
	kg_mappers_share share;
	long long now_s; /* advanced past the interval before each look */
	int mtime;	 /* seconds added to each new version's mtime */
	apr_array_header_t *lines; /* "ID line" of everything logged */
} world;

static void capture(void *baton, kg_log_level level, const char *id,
		    const char *line)
{
	world *w = baton;

	APR_ARRAY_PUSH(w->lines, const char *) =
		apr_pstrcat(w->pool, id ? id : "-", " ", line, NULL);
}

static int logged(const world *w, const char *id)
{
	int n = 0;

	for (int i = 0; i < w->lines->nelts; i++)
		n += strncmp(APR_ARRAY_IDX(w->lines, i, const char *), id,
			     strlen(id)) == 0;
	return n;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	return remove(path);
}

static apr_status_t remove_tree(void *data)
{
	nftw(data, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	return APR_SUCCESS;
}

static void world_init(world *w, apr_pool_t *pool)
{
	char *dir = apr_pstrdup(pool, "/tmp/kgt-live-XXXXXX");

	memset(w, 0, sizeof(*w));
	w->pool = pool;
	assert_non_null(mkdtemp(dir));
	apr_pool_cleanup_register(pool, dir, remove_tree,
				  apr_pool_cleanup_null);
	w->dir = dir;
	w->state = apr_pstrcat(pool, dir, "/state", NULL);
	w->path = apr_pstrcat(pool, dir, "/mappers.json", NULL);
	w->secret.bytes =
		(const unsigned char *)"0123456789abcdef0123456789abcdef";
	w->secret.len = 32;
	w->share.dir = w->state;
	w->share.secret = &w->secret;
	w->now_s = (long long)time(NULL);
	w->lines = apr_array_make(pool, 8, sizeof(const char *));
}

static kg_log world_log(world *w)
{
	kg_log log = {.max = KG_LOG_DEBUG, .fn = capture, .baton = w};

	return log;
}

/* Writes a new version of the source, with an mtime of its own. */
static void edit(world *w, const char *text)
{
	FILE *f = fopen(w->path, "w");
	struct timespec times[2];

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	w->mtime += 2;
	times[0].tv_sec = times[1].tv_sec = time(NULL) + w->mtime;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, w->path, times, 0), 0);
}

/* A child's look at the mappers after the interval: how many it maps
 * with, and its generation's name into *name. */
static size_t look(world *w, kg_mappers_live *live, const char **name)
{
	kg_log log = world_log(w);
	const kg_mapper_set *set;
	kg_mappers_gen *gen;
	size_t n;

	w->now_s += 5;
	gen = kg_mappers_live_acquire(live, w->now_s, &log, &set);
	n = set->nmappers;
	if (name)
		*name = apr_pstrdup(w->pool, kg_mappers_live_name(gen));
	kg_mappers_live_release(live, gen);
	return n;
}

static kg_mappers_live *child(world *w, const kg_mappers_share *share)
{
	kg_log log = world_log(w);
	kg_mappers_live *live = NULL;
	kg_err err = {0};

	assert_int_equal(kg_mappers_live_open(w->pool, w->path, 1, share, &log,
					      &live, &err),
			 KG_OK);
	return live;
}

static void start(world *w)
{
	kg_log log = world_log(w);
	kg_err err = {0};

	assert_int_equal(kg_mappers_publish(w->pool, w->path, &w->share,
					    (uid_t)-1, (gid_t)-1, &log, &err),
			 KG_OK);
}

static void
test_a_child_that_missed_the_good_version_still_ends_on_it(void **state)
{
	world w;
	kg_mappers_live *a, *b;
	const char *v1, *v2, *name;
	struct stat st;

	world_init(&w, *state);
	edit(&w, EMPTY);
	start(&w);
	assert_int_equal(stat(w.state, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	a = child(&w, &w.share);
	b = child(&w, &w.share);
	assert_int_equal(look(&w, a, &v1), 0);
	assert_int_equal(look(&w, b, &name), 0);
	assert_string_equal(name, v1);

	/* a good version: only a looks */
	edit(&w, ADMINS);
	assert_int_equal(look(&w, a, &v2), 1);
	assert_string_not_equal(v1, v2);
	assert_int_equal(logged(&w, "KG-0103"), 1);

	/* then a broken one: b, which never saw the good one, moves to it */
	edit(&w, BROKEN);
	assert_int_equal(look(&w, b, &name), 1);
	assert_string_equal(name, v2);
	assert_int_equal(look(&w, a, &name), 1);
	assert_string_equal(name, v2);
	/* each child logs the broken version once */
	assert_true(logged(&w, "KG-0101") >= 2);
	assert_int_equal(logged(&w, "KG-0102"), 2);
	assert_int_equal(look(&w, a, NULL), 1);
	assert_int_equal(look(&w, b, NULL), 1);
	assert_int_equal(logged(&w, "KG-0102"), 2);

	/* a child that starts now starts from the last good copy */
	assert_int_equal(look(&w, child(&w, &w.share), &name), 1);
	assert_string_equal(name, v2);

	/* the next good version reaches both again */
	edit(&w, EMPTY);
	assert_int_equal(look(&w, b, &name), 0);
	assert_string_equal(name, v1);
	assert_int_equal(look(&w, a, &name), 0);
	assert_string_equal(name, v1);
}

static void test_a_touch_is_no_new_generation(void **state)
{
	world w;
	kg_mappers_live *a;
	const char *v1, *name;

	world_init(&w, *state);
	edit(&w, ADMINS);
	start(&w);
	a = child(&w, &w.share);
	assert_int_equal(look(&w, a, &v1), 1);
	edit(&w, ADMINS); /* the same bytes, a new mtime */
	assert_int_equal(look(&w, a, &name), 1);
	assert_string_equal(name, v1);
	assert_int_equal(logged(&w, "KG-0103"), 0);
}

/* The one copy in the state directory. */
static const char *the_copy(world *w)
{
	DIR *d = opendir(w->state);
	const char *path = NULL;
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".last-good"))
			path = apr_pstrcat(w->pool, w->state, "/", e->d_name,
					   NULL);
	closedir(d);
	assert_non_null(path);
	return path;
}

static void test_an_altered_copy_or_another_secrets_is_not_used(void **state)
{
	world w;
	kg_conf_secret other = {(const unsigned char *)"another secret", 14};
	kg_mappers_share theirs;
	kg_mappers_live *live = NULL;
	const char *copy;
	kg_log log;
	kg_err err = {0};
	FILE *f;
	long size;

	world_init(&w, *state);
	log = world_log(&w);
	edit(&w, ADMINS);
	start(&w);
	/* someone turns the copy's role into another one */
	copy = the_copy(&w);
	f = fopen(copy, "r+");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size - 6, SEEK_SET);
	fputs("X", f);
	fclose(f);
	/* with the source broken, a child has nothing to start from */
	edit(&w, BROKEN);
	assert_int_equal(kg_mappers_live_open(w.pool, w.path, 1, &w.share, &log,
					      &live, &err),
			 KG_ECONFIG);
	assert_int_equal(logged(&w, "KG-0105"), 1);
	/* with a good one it starts from it, and writes a sound copy */
	edit(&w, EMPTY);
	assert_int_equal(look(&w, child(&w, &w.share), NULL), 0);
	edit(&w, BROKEN);
	assert_int_equal(look(&w, child(&w, &w.share), NULL), 0);

	/* a server under another secret has a copy of its own */
	theirs = w.share;
	theirs.secret = &other;
	edit(&w, ADMINS);
	assert_int_equal(kg_mappers_publish(w.pool, w.path, &theirs, (uid_t)-1,
					    (gid_t)-1, &log, &err),
			 KG_OK);
	edit(&w, BROKEN);
	assert_int_equal(look(&w, child(&w, &w.share), NULL), 0);
	assert_int_equal(look(&w, child(&w, &theirs), NULL), 1);
}

static void test_without_a_state_directory_each_follows_the_source(void **state)
{
	world w;
	kg_mappers_live *a, *live = NULL;
	kg_log log;
	kg_err err = {0};

	world_init(&w, *state);
	log = world_log(&w);
	edit(&w, EMPTY);
	a = child(&w, NULL);
	edit(&w, ADMINS);
	assert_int_equal(look(&w, a, NULL), 1);
	edit(&w, BROKEN);
	assert_int_equal(look(&w, a, NULL), 1);
	assert_int_equal(logged(&w, "KG-0102"), 1);
	assert_int_equal(kg_mappers_live_open(w.pool, w.path, 1, NULL, &log,
					      &live, &err),
			 KG_ECONFIG);
	assert_non_null(strstr(err.msg, "mappers.json:1:"));
	/* nothing was written */
	assert_int_equal(access(w.state, F_OK), -1);
}

static void test_publish_refuses_a_broken_file(void **state)
{
	world w;
	kg_log log;
	kg_err err = {0};

	world_init(&w, *state);
	log = world_log(&w);
	edit(&w, BROKEN);
	assert_int_equal(kg_mappers_publish(w.pool, w.path, &w.share, (uid_t)-1,
					    (gid_t)-1, &log, &err),
			 KG_ECONFIG);
	assert_true(logged(&w, "KG-0101") >= 1);
	assert_int_equal(access(w.state, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_a_child_that_missed_the_good_version_still_ends_on_it),
		KGT(test_a_touch_is_no_new_generation),
		KGT(test_an_altered_copy_or_another_secrets_is_not_used),
		KGT(test_without_a_state_directory_each_follows_the_source),
		KGT(test_publish_refuses_a_broken_file),
	};

	return KGT_RUN(tests);
}
