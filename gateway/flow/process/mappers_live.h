/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the mapper file in use, reloaded without a restart, and the
 * same in every process of one server.
 *
 * Each httpd child compiles the mappers for itself, but every child
 * follows one file: the last good copy, in the server's state directory.
 * It holds the bytes of the newest version of the mapper file that
 * compiled, the identity (device, inode, size, mtime, ctime) of the
 * source file they were read from, and a MAC keyed from
 * KeygateSessionSecret, so that nothing without the secret can hand the
 * children mappers. The server writes it at start (kg_mappers_publish,
 * from post_config). At most every KeygateMapperReloadInterval seconds a
 * request of each child looks at both files:
 *  - the copy changed (another child published): the child loads it;
 *  - the source changed since the version the copy holds: the child takes
 *    the directory's lock and compiles the source; when it compiles, the
 *    child writes it as the new copy (temp file, fsync, rename) and uses
 *    it; when it does not, the problems are logged (once per change in
 *    each child) and the copy stays in use.
 * So a child that served nothing while a good version came still moves
 * to it when a broken version follows, every child ends on the version
 * the copy holds, and a child that starts while the source is broken
 * starts from the copy. Without a state directory (NULL) each process
 * follows the source on its own.
 *
 * A request holds the generation it started with until it releases it,
 * so a reload never frees a set in use (a kg_refcell holds the current
 * one). Thread-safe; no mutex is held while a file is read or compiled.
 */
#ifndef KG_FLOW_PROCESS_MAPPERS_LIVE_H
#define KG_FLOW_PROCESS_MAPPERS_LIVE_H

#include "conf/mapper_file.h"
#include "conf/sessions.h"
#include "gateway/base/log.h"

#include <sys/types.h>

typedef struct kg_mappers_live kg_mappers_live;

/* A generation a request holds (a reference in the live set's cell). */
typedef struct kg_refcell_ref kg_mappers_gen;

/* Where the processes of one server share the last good copy. */
typedef struct {
	const char *dir;	      /* the state directory; NULL: none */
	const kg_conf_secret *secret; /* keys the copy's MAC; required with
					 dir */
} kg_mappers_share;

/* At server start (in httpd's post_config, usually as root): compiles
 * path, logging every problem (KG_ECONFIG when it does not compile). With
 * share->dir, then makes the directory (mode 0700) when it is missing,
 * gives the directory and the copy to uid:gid ((uid_t)-1 and (gid_t)-1
 * leave them to the caller), and writes the copy of what it compiled. */
kg_rc kg_mappers_publish(apr_pool_t *pool, const char *path,
			 const kg_mappers_share *share, uid_t uid, gid_t gid,
			 const kg_log *log, kg_err *err);

/* In each process: starts from the last good copy; without one (or an
 * invalid one), from path, publishing it when it compiles. KG_ECONFIG
 * (with every problem logged) when neither gives a generation. share may
 * be NULL. The live set lives until pool is destroyed. */
kg_rc kg_mappers_live_open(apr_pool_t *pool, const char *path,
			   long long reload_interval_s,
			   const kg_mappers_share *share, const kg_log *log,
			   kg_mappers_live **out, kg_err *err);

/* Takes the current generation (looking at the files first when that is
 * due at now_s); *set is valid until kg_mappers_live_release. */
kg_mappers_gen *kg_mappers_live_acquire(kg_mappers_live *live, long long now_s,
					const kg_log *log,
					const kg_mapper_set **set);

void kg_mappers_live_release(kg_mappers_live *live, kg_mappers_gen *gen);

/* A number that names gen alone for the life of the process (0 for
 * NULL), unlike its address, which a later generation may reuse. */
unsigned long long kg_mappers_live_serial(const kg_mappers_gen *gen);

/* The name of gen in logs and metrics, the same in every process: the
 * first 12 hex digits of the SHA-256 of the bytes it was compiled from. */
const char *kg_mappers_live_name(const kg_mappers_gen *gen);

/* The current generation's name (copied into pool), without looking at
 * the files. */
const char *kg_mappers_live_current_name(kg_mappers_live *live,
					 apr_pool_t *pool);

/* True when the mapper file's newest version did not compile and an
 * older generation is still in use (KG-0102), as this process saw it. */
bool kg_mappers_live_stale(kg_mappers_live *live);

#endif
