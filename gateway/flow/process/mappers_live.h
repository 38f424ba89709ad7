/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the mapper file in use, reloaded without a restart.
 *
 * At most every KeygateMapperReloadInterval seconds a request checks the
 * file's mtime; a changed file is compiled into a new generation, which
 * replaces the current one only when it compiles. A broken file keeps the
 * old one running and is logged once per change. A request holds the
 * generation it started with until it releases it, so a reload never
 * frees a set in use. Thread-safe; the lock is never held while a file is
 * read or compiled.
 */
#ifndef KG_FLOW_PROCESS_MAPPERS_LIVE_H
#define KG_FLOW_PROCESS_MAPPERS_LIVE_H

#include "conf/mapper_file.h"
#include "gateway/base/log.h"

typedef struct kg_mappers_live kg_mappers_live;
typedef struct kg_mappers_gen kg_mappers_gen;

/* Loads path now; KG_ECONFIG (with every problem logged) when it does not
 * compile. The live set lives until pool is destroyed. */
kg_rc kg_mappers_live_open(apr_pool_t *pool, const char *path,
			   long long reload_interval_s, const kg_log *log,
			   kg_mappers_live **out, kg_err *err);

/* Takes the current generation (reloading first when due, as at now_s);
 * *set is valid until kg_mappers_live_release. */
kg_mappers_gen *kg_mappers_live_acquire(kg_mappers_live *live, long long now_s,
					const kg_log *log,
					const kg_mapper_set **set);

void kg_mappers_live_release(kg_mappers_live *live, kg_mappers_gen *gen);

/* A number that names gen alone for the life of the process (0 for
 * NULL), unlike its address, which a later generation may reuse. */
unsigned long long kg_mappers_live_serial(const kg_mappers_gen *gen);

#endif
