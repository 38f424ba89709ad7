/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the mapper file in use, reloaded without a restart.
 */
#include "gateway/flow/process/mappers_live.h"

#include <apr_file_info.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

struct kg_mappers_gen {
	apr_pool_t *pool; /* unmanaged: owned by this generation */
	const kg_mapper_set *set;
	apr_time_t mtime;
	int refs;	  /* the live pointer counts as one */
	unsigned long long serial; /* unique in the process, never reused */
};

static unsigned long long next_serial;

unsigned long long kg_mappers_live_serial(const kg_mappers_gen *gen)
{
	return gen ? gen->serial : 0;
}

struct kg_mappers_live {
	const char *path;
	long long interval_s;
	apr_thread_mutex_t *lock;
	kg_mappers_gen *current;
	long long next_check_s;
	apr_time_t rejected_mtime; /* last broken version, logged once */
};

static apr_time_t file_mtime(const char *path, apr_pool_t *pool)
{
	apr_finfo_t info;

	if (apr_stat(&info, path, APR_FINFO_MTIME, pool) != APR_SUCCESS)
		return 0;
	return info.mtime;
}

/* Compiles path into a new generation with one reference, or NULL with
 * every problem logged. */
static kg_mappers_gen *compile_gen(const char *path, const kg_log *log,
				   kg_err *err)
{
	apr_pool_t *pool;
	apr_array_header_t *problems;
	kg_mapper_set *set;
	kg_mappers_gen *gen;

	apr_pool_create_unmanaged(&pool);
	problems = apr_array_make(pool, 4, sizeof(const char *));
	if (kg_mapper_file_load(pool, path, &set, problems, err) != KG_OK) {
		for (int i = 0; i < problems->nelts; i++)
			kg_log_emit(log, KG_LOG_ERROR, "KG-0101",
				    "mapper file rejected: %s",
				    APR_ARRAY_IDX(problems, i, const char *));
		apr_pool_destroy(pool);
		return NULL;
	}
	gen = apr_pcalloc(pool, sizeof(*gen));
	gen->pool = pool;
	gen->set = set;
	gen->mtime = file_mtime(path, pool);
	gen->refs = 1;
	gen->serial = __atomic_add_fetch(&next_serial, 1, __ATOMIC_RELAXED);
	return gen;
}

static apr_status_t live_cleanup(void *data)
{
	kg_mappers_live *live = data;

	if (live->current && --live->current->refs == 0)
		apr_pool_destroy(live->current->pool);
	live->current = NULL;
	return APR_SUCCESS;
}

kg_rc kg_mappers_live_open(apr_pool_t *pool, const char *path,
			   long long reload_interval_s, const kg_log *log,
			   kg_mappers_live **out, kg_err *err)
{
	kg_mappers_live *live = apr_pcalloc(pool, sizeof(*live));

	live->path = apr_pstrdup(pool, path);
	live->interval_s = reload_interval_s;
	live->current = compile_gen(path, log, err);
	if (live->current == NULL)
		return KG_ECONFIG;
	apr_thread_mutex_create(&live->lock, APR_THREAD_MUTEX_DEFAULT, pool);
	apr_pool_cleanup_register(pool, live, live_cleanup,
				  apr_pool_cleanup_null);
	*out = live;
	return KG_OK;
}

/* Reloads when the file changed since the current generation. Called
 * without the lock. */
static void maybe_reload(kg_mappers_live *live, const kg_log *log)
{
	apr_pool_t *tmp;
	apr_time_t mtime;
	kg_mappers_gen *fresh, *old = NULL;
	kg_err err = {0};

	apr_pool_create_unmanaged(&tmp);
	mtime = file_mtime(live->path, tmp);
	apr_pool_destroy(tmp);
	apr_thread_mutex_lock(live->lock);
	if (mtime == 0 || mtime == live->current->mtime ||
	    mtime == live->rejected_mtime) {
		apr_thread_mutex_unlock(live->lock);
		return;
	}
	apr_thread_mutex_unlock(live->lock);
	fresh = compile_gen(live->path, log, &err);
	apr_thread_mutex_lock(live->lock);
	if (fresh == NULL) {
		live->rejected_mtime = mtime;
		kg_log_emit(log, KG_LOG_ERROR, "KG-0102",
			    "mapper file %s changed but does not compile; the "
			    "previous version stays in use",
			    live->path);
	} else {
		old = live->current;
		live->current = fresh;
		if (--old->refs > 0)
			old = NULL;
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0103",
			    "mapper file %s reloaded: %zu mappers", live->path,
			    fresh->set->nmappers);
	}
	apr_thread_mutex_unlock(live->lock);
	if (old)
		apr_pool_destroy(old->pool);
}

kg_mappers_gen *kg_mappers_live_acquire(kg_mappers_live *live, long long now_s,
					const kg_log *log,
					const kg_mapper_set **set)
{
	kg_mappers_gen *gen;
	bool due = false;

	apr_thread_mutex_lock(live->lock);
	if (live->interval_s > 0 && now_s >= live->next_check_s) {
		live->next_check_s = now_s + live->interval_s;
		due = true;
	}
	apr_thread_mutex_unlock(live->lock);
	if (due)
		maybe_reload(live, log);
	apr_thread_mutex_lock(live->lock);
	gen = live->current;
	gen->refs++;
	apr_thread_mutex_unlock(live->lock);
	*set = gen->set;
	return gen;
}

void kg_mappers_live_release(kg_mappers_live *live, kg_mappers_gen *gen)
{
	bool last;

	apr_thread_mutex_lock(live->lock);
	last = --gen->refs == 0;
	apr_thread_mutex_unlock(live->lock);
	if (last)
		apr_pool_destroy(gen->pool);
}
