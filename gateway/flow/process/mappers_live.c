/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the mapper file in use, reloaded without a restart, the same
 * in every process of one server (the last good copy, mappers_live.h).
 *
 * The copy is one file, STATE_DIR/mappers-<16 hex>.last-good, where the
 * hex digits are of HMAC-SHA256(MAC key, "copy name" || path):
 *
 *   keygate-mappers-last-good v1
 *   source: PATH
 *   identity: DEV INO SIZE MTIME_NS CTIME_NS
 *   mac: 64 hex digits
 *   (an empty line)
 *   the mapper file's bytes
 *
 * The MAC (HMAC-SHA256, keyed with HMAC-SHA256(KeygateSessionSecret,
 * "keygate mapper file last good copy v1")) covers the lines above it and
 * the bytes. Writers hold flock on the directory, write a temp file
 * (mode 0600), fsync it, rename it over the copy and fsync the
 * directory: readers see the old copy or the new one, never a part.
 */
#include "gateway/flow/process/mappers_live.h"
#include "gateway/base/metrics.h"
#include "gateway/base/refcell.h"
#include "gateway/base/str.h"
#include "conf/read.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_MAGIC "keygate-mappers-last-good v1\n"
#define MAC_KEY_LABEL "keygate mapper file last good copy v1"
#define NAME_HEX 12

/* Which version of a file: any write, rename or touch changes it. */
typedef struct {
	bool known;
	unsigned long long dev, ino, size;
	long long mtime_ns, ctime_ns;
} file_id;

/* One compiled version of the mapper file: the value of the live set's
 * cell. */
typedef struct {
	apr_pool_t *pool; /* unmanaged: owned by this generation */
	const kg_mapper_set *set;
	unsigned char sha256[SHA256_DIGEST_LENGTH]; /* of the bytes */
	char name[NAME_HEX + 1];
	unsigned long long serial; /* unique in the process, never reused */
	bool from_copy;		   /* loaded from the last good copy */
} generation;

static unsigned long long next_serial;

struct kg_mappers_live {
	const char *path;
	const char *dir;       /* the state directory; NULL: none */
	const char *copy_path; /* the last good copy; NULL: none */
	unsigned char key[32]; /* the copy's MAC key */
	kg_refcell *cell;      /* of generation */
	int checking;	       /* atomic: a thread is looking at the files */
	int stale;	       /* atomic: the file's newest version did not
				  compile; an older generation is in use */
	/* what the checks know; only the checking thread touches these */
	file_id copy_seen; /* the copy as last read or written */
	bool copy_valid;   /* copy_seen is a valid copy */
	file_id source_of; /* the source version the copy holds */
	file_id rejected;  /* the last source version that did not compile */
	file_id unwritten; /* the last one whose copy could not be written */
};

static void gen_free(void *value)
{
	apr_pool_destroy(((generation *)value)->pool);
}

static long long ns_of(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void id_of(const struct stat *st, file_id *id)
{
	id->known = true;
	id->dev = (unsigned long long)st->st_dev;
	id->ino = (unsigned long long)st->st_ino;
	id->size = (unsigned long long)st->st_size;
	id->mtime_ns = ns_of(&st->st_mtim);
	id->ctime_ns = ns_of(&st->st_ctim);
}

static bool stat_id(const char *path, file_id *id)
{
	struct stat st;

	id->known = false;
	if (stat(path, &st) != 0)
		return false;
	id_of(&st, id);
	return true;
}

static bool same_id(const file_id *a, const file_id *b)
{
	return a->known && b->known && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime_ns == b->mtime_ns &&
	       a->ctime_ns == b->ctime_ns;
}

/* errno as text, in pool. */
static const char *os_error(apr_pool_t *pool, int e)
{
	char buf[128];

	return apr_pstrdup(pool, apr_strerror(e, buf, sizeof(buf)));
}

/* HMAC-SHA256(key, a || b) into out. */
static bool hmac(const unsigned char *key, size_t key_len, const char *a,
		 size_t a_len, const char *b, size_t b_len,
		 unsigned char out[32])
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM params[2];
	size_t n = 0;
	bool ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_MAC_init(ctx, key, key_len, params) == 1 &&
	     EVP_MAC_update(ctx, (const unsigned char *)a, a_len) == 1 &&
	     EVP_MAC_update(ctx, (const unsigned char *)b, b_len) == 1 &&
	     EVP_MAC_final(ctx, out, &n, 32) == 1 && n == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return ok;
}

/* Reads all of fd, whose size st gives (at most KG_CONF_FILE_MAX), into
 * pool, NUL-terminated. False (with *why) when it is larger, unreadable,
 * or grew while being read. */
static bool read_fd(apr_pool_t *pool, int fd, const struct stat *st, char **out,
		    size_t *len, const char **why)
{
	size_t size = (size_t)st->st_size, n = 0;
	char *buf;

	if (!S_ISREG(st->st_mode) || st->st_size < 0 ||
	    size > KG_CONF_FILE_MAX) {
		*why = "not a regular file of at most 4 MiB";
		return false;
	}
	buf = apr_palloc(pool, size + 2);
	while (n < size + 1) {
		ssize_t r = read(fd, buf + n, size + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = os_error(pool, errno);
			return false;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n != size) {
		*why = "it changed while being read";
		return false;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return true;
}

/* Compiles text[0..len) (the bytes of path) into a new generation, or
 * NULL with every problem logged (KG-0101) and err set. */
static generation *compile(const char *path, const char *text, size_t len,
			   const kg_log *log, kg_err *err)
{
	apr_pool_t *pool;
	apr_array_header_t *problems;
	kg_mapper_set *set;
	const char *own;
	generation *g;

	if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
		kg_err_set(err, KG_EINTERNAL, "out of memory");
		return NULL;
	}
	problems = apr_array_make(pool, 4, sizeof(const char *));
	own = apr_pstrmemdup(pool, text, len); /* the set may point into it */
	if (kg_mapper_file_parse(pool, path, own, len, &set, problems, err) !=
	    KG_OK) {
		for (int i = 0; i < problems->nelts; i++)
			kg_log_emit(log, KG_LOG_ERROR, "KG-0101",
				    "mapper file rejected: %s",
				    APR_ARRAY_IDX(problems, i, const char *));
		apr_pool_destroy(pool);
		return NULL;
	}
	g = apr_pcalloc(pool, sizeof(*g));
	g->pool = pool;
	g->set = set;
	SHA256((const unsigned char *)text, len, g->sha256);
	kg_hex(g->sha256, NAME_HEX / 2, g->name);
	g->serial = __atomic_add_fetch(&next_serial, 1, __ATOMIC_RELAXED);
	return g;
}

/* Reads the source file: its bytes and the version they are. False
 * (with every problem logged as a rejection and err set) when it cannot
 * be read; *id is known whenever the file could be opened. */
static bool read_source(apr_pool_t *pool, const char *path, file_id *id,
			char **text, size_t *len, const kg_log *log,
			kg_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *why = NULL;
	struct stat st;
	bool ok = false;

	id->known = false;
	if (fd < 0) {
		why = os_error(pool, errno);
	} else if (fstat(fd, &st) != 0) {
		why = os_error(pool, errno);
	} else {
		id_of(&st, id);
		ok = read_fd(pool, fd, &st, text, len, &why);
	}
	if (fd >= 0)
		close(fd);
	if (!ok) {
		kg_err_set(err, KG_ECONFIG, "%s: cannot read: %s", path, why);
		kg_log_emit(log, KG_LOG_ERROR, "KG-0101",
			    "mapper file rejected: %s", err->msg);
	}
	return ok;
}

/* The copy's lines up to its MAC: what the MAC covers, with the bytes. */
static const char *copy_header(apr_pool_t *pool, const char *path,
			       const file_id *src)
{
	return kg_psprintf(pool,
			   COPY_MAGIC "source: %s\nidentity: %llu %llu %llu "
				      "%lld %lld\n",
			   path, src->dev, src->ino, src->size, src->mtime_ns,
			   src->ctime_ns);
}

/* Checks the copy's text data[0..n) for path under key: its bytes go to
 * *text and *len and the source version they are to *src. False, with *why,
 * when it is not a valid copy. */
static bool parse_copy(apr_pool_t *pool, const char *path,
		       const unsigned char key[32], const char *data, size_t n,
		       const char **text, size_t *len, file_id *src,
		       const char **why)
{
	const char *head = apr_pstrcat(pool, COPY_MAGIC "source: ", path,
				       "\nidentity: ", NULL);
	size_t hl = strlen(head);
	const char *id_end, *mac_line, *body;
	unsigned char want[32];
	char want_hex[65];

	*why = "not a last good copy of this mapper file";
	if (n < hl || memcmp(data, head, hl) != 0 ||
	    (id_end = memchr(data + hl, '\n', n - hl)) == NULL)
		return false;
	src->known = sscanf(data + hl, "%llu %llu %llu %lld %lld", &src->dev,
			    &src->ino, &src->size, &src->mtime_ns,
			    &src->ctime_ns) == 5;
	mac_line = id_end + 1;
	body = mac_line + 5 + 64 + 2;
	if (!src->known || body > data + n ||
	    memcmp(mac_line, "mac: ", 5) != 0 ||
	    memcmp(mac_line + 5 + 64, "\n\n", 2) != 0)
		return false;
	*text = body;
	*len = n - (size_t)(body - data);
	if (!hmac(key, 32, data, (size_t)(mac_line - data), *text, *len,
		  want)) {
		*why = "the MAC cannot be computed";
		return false;
	}
	kg_hex(want, 32, want_hex);
	if (CRYPTO_memcmp(want_hex, mac_line + 5, 64) != 0) {
		*why = "its MAC does not match (another KeygateSessionSecret, "
		       "or it was altered)";
		return false;
	}
	return true;
}

/* write(2) all of buf. */
static bool write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/* Writes text[0..len), the bytes of source version src of path, as the
 * copy at copy_path (in the directory dirfd is open on, whose lock the
 * caller holds), owned by uid:gid. False with *why. */
static bool write_copy(apr_pool_t *pool, int dirfd, const char *copy_path,
		       const unsigned char key[32], const char *path,
		       const file_id *src, const char *text, size_t len,
		       uid_t uid, gid_t gid, const char **why)
{
	const char *header = copy_header(pool, path, src);
	char *tmp = apr_pstrcat(pool, copy_path, ".XXXXXX", NULL);
	unsigned char mac[32];
	char mac_line[5 + 64 + 3];
	const char *step;
	int fd, e;

	if (!hmac(key, 32, header, strlen(header), text, len, mac)) {
		*why = "the MAC cannot be computed";
		return false;
	}
	memcpy(mac_line, "mac: ", 5);
	kg_hex(mac, 32, mac_line + 5);
	memcpy(mac_line + 5 + 64, "\n\n", 3);
	/* O_EXCL under the hood: never follows what is already there */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		*why = kg_psprintf(pool, "create %s: %s", tmp,
				   os_error(pool, errno));
		return false;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) != 0)
		step = "chown";
	else if (fchmod(fd, 0600) != 0)
		step = "chmod";
	else if (!write_all(fd, header, strlen(header)) ||
		 !write_all(fd, mac_line, sizeof(mac_line) - 1) ||
		 !write_all(fd, text, len))
		step = "write";
	else if (fsync(fd) != 0)
		step = "fsync";
	else
		step = NULL;
	e = errno;
	if (close(fd) != 0 && step == NULL) {
		e = errno;
		step = "close";
	}
	if (step == NULL && rename(tmp, copy_path) != 0) {
		e = errno;
		step = "rename";
	}
	if (step) {
		unlink(tmp);
		*why = kg_psprintf(pool, "%s %s: %s", step, tmp,
				   os_error(pool, e ? e : EIO));
		return false;
	}
	fsync(dirfd); /* the rename itself */
	return true;
}

/* Opens dir and takes its lock (flock, so it goes with the descriptor,
 * also when the process dies). The descriptor, or -1. */
static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* The copy's path for mapper file path in dir. */
static const char *copy_path_of(apr_pool_t *pool, const char *dir,
				const char *path, const unsigned char key[32])
{
	unsigned char h[32];
	char hex[17];

	/* keyed: servers with another secret (and the same file) have
	 * copies of their own */
	if (!hmac(key, 32, "copy name", 9, path, strlen(path), h))
		SHA256((const unsigned char *)path, strlen(path), h);
	kg_hex(h, 8, hex);
	return apr_pstrcat(pool, dir, "/mappers-", hex, ".last-good", NULL);
}

/* The copy's MAC key, from the secret. */
static bool derive_key(const kg_conf_secret *secret, unsigned char key[32])
{
	return secret && secret->bytes &&
	       hmac(secret->bytes, secret->len, MAC_KEY_LABEL,
		    strlen(MAC_KEY_LABEL), "", 0, key);
}

/* The generation in use for a check: the one it is about to store, or
 * the current one. */
static const generation *in_use(const generation *cur, generation *const *next)
{
	return *next ? *next : cur;
}

/* Makes g the one to store, dropping one made earlier in the check. */
static void replace_next(generation **next, generation *g)
{
	if (*next)
		gen_free(*next);
	*next = g;
}

/* Reads the copy when it changed since it was last seen; when it holds
 * another version than the one in use, compiles it into *next. Keeps
 * copy_seen and source_of up to date. True when a valid copy is there
 * (a missing or invalid one is for the next good version to replace). */
static bool read_copy(kg_mappers_live *live, const generation *cur,
		      generation **next, const kg_log *log)
{
	int fd = open(live->copy_path, O_RDONLY | O_CLOEXEC);
	apr_pool_t *tmp;
	const char *why = NULL, *text;
	char *data;
	size_t n, len;
	struct stat st;
	file_id id, src;
	kg_err err = {0};

	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		live->copy_seen.known = false;
		return false;
	}
	id_of(&st, &id);
	if (same_id(&id, &live->copy_seen)) {
		close(fd);
		return live->copy_valid;
	}
	live->copy_seen = id;
	live->copy_valid = false;
	apr_pool_create_unmanaged_ex(&tmp, NULL, NULL);
	if (read_fd(tmp, fd, &st, &data, &n, &why) &&
	    parse_copy(tmp, live->path, live->key, data, n, &text, &len, &src,
		       &why)) {
		const generation *use = in_use(cur, next);
		unsigned char h[SHA256_DIGEST_LENGTH];
		generation *g;
		live->copy_valid = true;
		live->source_of = src;
		SHA256((const unsigned char *)text, len, h);
		if (use == NULL || memcmp(h, use->sha256, sizeof(h)) != 0) {
			g = compile(live->path, text, len, log, &err);
			if (g) {
				g->from_copy = true;
				replace_next(next, g);
			}
		}
	} else {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0105",
			    "the last good copy %s of mapper file %s is not "
			    "used: %s",
			    live->copy_path, live->path, why);
	}
	apr_pool_destroy(tmp);
	close(fd);
	return live->copy_valid;
}

/* Takes the source into use when it changed since the version the copy
 * holds: under the directory's lock (another process may publish first,
 * then its copy is taken), compiles it, and when it compiles writes the
 * copy and makes it *next; when it does not, remembers the version as
 * rejected and logs it. copy_there: whether the copy was found. err gets
 * the first problem when nothing new is there. */
static void promote(kg_mappers_live *live, const generation *cur,
		    generation **next, bool copy_there, const kg_log *log,
		    kg_err *err)
{
	apr_pool_t *tmp;
	int dirfd = -1;
	file_id seen, src;
	char *text;
	size_t len;
	const char *why;
	generation *g;

	apr_pool_create_unmanaged_ex(&tmp, NULL, NULL);
	if (live->dir) {
		if ((dirfd = lock_dir(live->dir)) < 0)
			kg_log_emit(log, KG_LOG_ERROR, "KG-0104",
				    "cannot lock the state directory %s: %s",
				    live->dir, os_error(tmp, errno));
		copy_there = read_copy(live, cur, next, log);
	}
	if (!stat_id(live->path, &seen) ||
	    (same_id(&seen, &live->source_of) && copy_there) ||
	    same_id(&seen, &live->rejected))
		goto out;
	if (!read_source(tmp, live->path, &src, &text, &len, log, err) ||
	    (g = compile(live->path, text, len, log, err)) == NULL) {
		const generation *use = in_use(cur, next);
		/* once per version: the one read, or at least the one seen */
		live->rejected = src.known ? src : seen;
		if (use) {
			kg_metrics_add(KG_M_RELOAD_MAPPERS_FAILED);
			__atomic_store_n(&live->stale, 1, __ATOMIC_RELAXED);
		}
		if (use)
			kg_log_emit(log, KG_LOG_ERROR, "KG-0102",
				    "mapper file %s changed but does not "
				    "compile; generation %s stays in use",
				    live->path, use->name);
		goto out;
	}
	live->source_of = src;
	if (dirfd >= 0 &&
	    write_copy(tmp, dirfd, live->copy_path, live->key, live->path, &src,
		       text, len, (uid_t)-1, (gid_t)-1, &why)) {
		live->copy_valid = stat_id(live->copy_path, &live->copy_seen);
	} else if (dirfd >= 0) {
		live->unwritten = src;
		kg_log_emit(log, KG_LOG_ERROR, "KG-0104",
			    "cannot write the last good copy of mapper file "
			    "%s: %s; other processes may keep older mappers",
			    live->path, why);
	}
	if (in_use(cur, next) && memcmp(g->sha256, in_use(cur, next)->sha256,
					sizeof(g->sha256)) == 0)
		gen_free(g); /* the same bytes (a touch): nothing new */
	else
		replace_next(next, g);
out:
	if (dirfd >= 0)
		close(dirfd);
	apr_pool_destroy(tmp);
}

/* Looks at the copy and the source; stores a new generation when there
 * is one. Ends the fetch kg_refcell_begin granted. */
static void check(kg_mappers_live *live, const generation *cur,
		  const kg_log *log, long long now_ms)
{
	generation *next = NULL;
	bool copy_there = true;
	file_id src;
	kg_err err = {0};

	if (live->copy_path)
		copy_there = read_copy(live, cur, &next, log);
	/* a changed source, or a copy to replace (once per version) */
	if (stat_id(live->path, &src) &&
	    (!same_id(&src, &live->source_of) ||
	     (!copy_there && !same_id(&src, &live->unwritten))) &&
	    !same_id(&src, &live->rejected))
		promote(live, cur, &next, copy_there, log, &err);
	if (next == NULL) {
		kg_refcell_touch(live->cell, now_ms);
		return;
	}
	kg_metrics_add(KG_M_RELOAD_MAPPERS_OK);
	kg_metrics_gauge(KG_G_MAPPERS_AT, 0, now_ms / 1000);
	if (!next->from_copy)
		__atomic_store_n(&live->stale, 0, __ATOMIC_RELAXED);
	if (next->from_copy)
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0103",
			    "mapper file %s reloaded: %zu mappers, generation "
			    "%s (from the last good copy)",
			    live->path, next->set->nmappers, next->name);
	else
		kg_log_emit(
			log, KG_LOG_NOTICE, "KG-0103",
			"mapper file %s reloaded: %zu mappers, generation %s",
			live->path, next->set->nmappers, next->name);
	kg_refcell_store(live->cell, next, now_ms);
}

/* The directory, made when missing and given to uid:gid. */
static kg_rc make_dir(apr_pool_t *pool, const char *dir, uid_t uid, gid_t gid,
		      kg_err *err)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return kg_err_set(err, KG_ECONFIG,
				  "cannot make the state directory %s: %s "
				  "(it lives in httpd's DefaultRuntimeDir)",
				  dir, os_error(pool, errno));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	     ((st.st_uid != uid || st.st_gid != gid) &&
	      fchown(fd, uid, gid) != 0)) ||
	    ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) != 0)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return kg_err_set(err, KG_ECONFIG,
				  "cannot use the state directory %s: %s", dir,
				  os_error(pool, e));
	}
	close(fd);
	return KG_OK;
}

kg_rc kg_mappers_publish(apr_pool_t *pool, const char *path,
			 const kg_mappers_share *share, uid_t uid, gid_t gid,
			 const kg_log *log, kg_err *err)
{
	unsigned char key[32];
	const char *why;
	file_id src;
	char *text;
	size_t len;
	generation *g;
	int dirfd;
	kg_rc rc;

	if (!read_source(pool, path, &src, &text, &len, log, err) ||
	    (g = compile(path, text, len, log, err)) == NULL)
		return KG_ECONFIG;
	gen_free(g);
	if (share == NULL || share->dir == NULL)
		return KG_OK;
	if (!derive_key(share->secret, key))
		return kg_err_set(err, KG_ECONFIG,
				  "the mapper file's last good copy needs "
				  "KeygateSessionSecret");
	if ((rc = make_dir(pool, share->dir, uid, gid, err)) != KG_OK)
		return rc;
	if ((dirfd = lock_dir(share->dir)) < 0)
		return kg_err_set(err, KG_ECONFIG,
				  "cannot lock the state directory %s: %s",
				  share->dir, os_error(pool, errno));
	if (!write_copy(pool, dirfd, copy_path_of(pool, share->dir, path, key),
			key, path, &src, text, len, uid, gid, &why))
		rc = kg_err_set(err, KG_ECONFIG,
				"cannot write the last good copy of mapper "
				"file %s: %s",
				path, why);
	close(dirfd);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

kg_rc kg_mappers_live_open(apr_pool_t *pool, const char *path,
			   long long reload_interval_s,
			   const kg_mappers_share *share, const kg_log *log,
			   kg_mappers_live **out, kg_err *err)
{
	kg_mappers_live *live = apr_pcalloc(pool, sizeof(*live));
	long long every_ms = reload_interval_s * 1000;
	generation *g = NULL;
	kg_rc rc;

	live->path = apr_pstrdup(pool, path);
	if (share && share->dir) {
		if (!derive_key(share->secret, live->key))
			return kg_err_set(err, KG_ECONFIG,
					  "the mapper file's last good copy "
					  "needs KeygateSessionSecret");
		live->dir = apr_pstrdup(pool, share->dir);
		live->copy_path =
			copy_path_of(pool, live->dir, path, live->key);
	}
	rc = kg_refcell_make(pool, gen_free,
			     every_ms > 0 ? every_ms : KG_REFCELL_NEVER,
			     every_ms, &live->cell, err);
	if (rc != KG_OK)
		return rc;
	if (live->copy_path == NULL || !read_copy(live, NULL, &g, log) ||
	    g == NULL)
		promote(live, NULL, &g, false, log, err);
	if (g == NULL)
		return err->rc != KG_OK
			       ? err->rc
			       : kg_err_set(err, KG_ECONFIG,
					    "mapper file %s: no usable version",
					    path);
	kg_refcell_store(live->cell, g, apr_time_now() / 1000);
	kg_metrics_gauge(KG_G_MAPPERS_AT, 0, apr_time_sec(apr_time_now()));
	*out = live;
	return KG_OK;
}

bool kg_mappers_live_stale(kg_mappers_live *live)
{
	return __atomic_load_n(&live->stale, __ATOMIC_RELAXED) != 0;
}

kg_mappers_gen *kg_mappers_live_acquire(kg_mappers_live *live, long long now_s,
					const kg_log *log,
					const kg_mapper_set **set)
{
	long long now_ms = now_s * 1000;
	bool stale;
	kg_refcell_ref *ref = kg_refcell_acquire(live->cell, now_ms, &stale);

	if (stale && kg_refcell_begin(live->cell, now_ms)) {
		/* one thread looks at the files at a time, even when a look
		 * outlasts the interval */
		if (__atomic_exchange_n(&live->checking, 1, __ATOMIC_ACQUIRE)) {
			kg_refcell_end(live->cell);
		} else {
			check(live, kg_refcell_value(ref), log, now_ms);
			__atomic_store_n(&live->checking, 0, __ATOMIC_RELEASE);
			kg_refcell_release(live->cell, ref);
			ref = kg_refcell_acquire(live->cell, now_ms, NULL);
		}
	}
	*set = ((const generation *)kg_refcell_value(ref))->set;
	return ref;
}

void kg_mappers_live_release(kg_mappers_live *live, kg_mappers_gen *g)
{
	kg_refcell_release(live->cell, g);
}

unsigned long long kg_mappers_live_serial(const kg_mappers_gen *g)
{
	return g ? ((const generation *)kg_refcell_value(g))->serial : 0;
}

const char *kg_mappers_live_name(const kg_mappers_gen *g)
{
	return ((const generation *)kg_refcell_value(g))->name;
}

const char *kg_mappers_live_current_name(kg_mappers_live *live,
					 apr_pool_t *pool)
{
	kg_refcell_ref *ref = kg_refcell_acquire(live->cell, 0, NULL);
	const char *name = apr_pstrdup(pool, kg_mappers_live_name(ref));

	kg_refcell_release(live->cell, ref);
	return name;
}
