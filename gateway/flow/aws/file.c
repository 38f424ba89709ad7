/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the credentials file for workspace mounts:
 * KeygateAwsCredentialsDir/USERNAME/.aws/credentials, written to a temp
 * file in the same directory (0600), synced, then renamed over the old
 * one, so a reader sees the old file or the new one, never half of one.
 * Directories are made 0700 and must not be symbolic links. With no
 * usable keys left the file is removed.
 */
#include "gateway/flow/aws/file.h"
#include "gateway/flow/aws/render.h"
#include "gateway/base/str.h"
#include "policy/timeouts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A username that is safe as one path component. */
static bool safe_component(const char *s)
{
	if (s == NULL || *s == '\0' || *s == '.' || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Makes path (0700) unless it exists; either way it must be a real
 * directory, not a symbolic link someone planted to send the file
 * elsewhere. */
static bool make_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return false;
	if (lstat(path, &st) != 0)
		return false;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return false;
	}
	return true;
}

/* Writes text to path through a temp file and rename. */
static bool write_atomic(apr_pool_t *pool, const char *path, const char *text)
{
	char *tmp = kg_psprintf(pool, "%s.XXXXXX", path);
	size_t len = strlen(text), done = 0;
	int fd = mkstemp(tmp);

	if (fd < 0)
		return false;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n <= 0 && errno != EINTR)
			break;
		done += n > 0 ? (size_t)n : 0;
	}
	if (done != len || fchmod(fd, 0600) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return false;
	}
	if (close(fd) != 0) { /* the descriptor is gone either way */
		int e = errno;
		unlink(tmp);
		errno = e;
		return false;
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return false;
	}
	return true;
}

void kg_aws_remove_user_file(const kg_conf_aws *a, apr_pool_t *pool,
			     const char *username)
{
	if (a->credentials_dir && safe_component(username))
		unlink(kg_psprintf(pool, "%s/%s/.aws/credentials",
				   a->credentials_dir, username));
}

void kg_aws_release_user_file(kg_sess_store *store, const kg_conf_aws *a,
			      apr_pool_t *pool, const char *username)
{
	apr_array_header_t *left;
	kg_err err = {0};

	if (a->credentials_dir == NULL)
		return;
	if (kg_sess_admin_list(store, pool, username, kg_pol_clock_now(NULL),
			       &left, &err) == KG_OK)
		for (int i = 0; i < left->nelts; i++) {
			const kg_sess_entry *e =
				&APR_ARRAY_IDX(left, i, kg_sess_entry);
			if (e->rec && e->rec->state.sts_credentials)
				return;
		}
	kg_aws_remove_user_file(a, pool, username);
}

void kg_aws_remove_file(kg_gateway *gw, apr_pool_t *pool, const char *username)
{
	kg_aws_remove_user_file(&gw->conf->aws, pool, username);
}

void kg_aws_write_file(kg_gateway *gw, apr_pool_t *pool, const kg_log *log,
		       const char *username, const char *stored)
{
	const kg_conf_aws *a = &gw->conf->aws;
	const char *home, *dir, *path, *text = NULL;
	kg_aws_set *set;
	kg_err why = {0};

	if (a->credentials_dir == NULL || stored == NULL)
		return;
	if (!safe_component(username)) {
		kg_log_emit(log, KG_LOG_WARN, "KG-0612",
			    "aws credentials file not written: the username "
			    "is not a safe directory name");
		return;
	}
	if (kg_aws_set_decode(pool, stored, &set, &why) == KG_OK)
		text = kg_aws_render_file(pool, set, a->default_profile,
					  time(NULL));
	home = kg_psprintf(pool, "%s/%s", a->credentials_dir, username);
	dir = kg_psprintf(pool, "%s/.aws", home);
	path = kg_psprintf(pool, "%s/credentials", dir);
	if (text == NULL) {
		unlink(path);
		return;
	}
	if (!make_dir(a->credentials_dir) || !make_dir(home) ||
	    !make_dir(dir) || !write_atomic(pool, path, text))
		kg_log_emit(log, KG_LOG_WARN, "KG-0612",
			    "aws credentials file %s not written: %s", path,
			    strerror(errno));
}
