/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading an admin file whole, with a size cap.
 */
#include "conf/read.h"
#include "gateway/base/str.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>

#define KG_SECRET_FILE_MAX 4096

kg_rc kg_conf_read_file(apr_pool_t *pool, const char *path, size_t max,
			const char **text, size_t *len, kg_err *err)
{
	apr_file_t *f;
	apr_finfo_t info;
	apr_status_t st;
	apr_size_t n;
	char *buf, reason[128];

	st = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT,
			   pool);
	if (st != APR_SUCCESS)
		return kg_err_set(err, KG_ECONFIG, "%s: %s", path,
				  apr_strerror(st, reason, sizeof(reason)));
	st = apr_file_info_get(&info, APR_FINFO_SIZE | APR_FINFO_TYPE, f);
	if (st == APR_SUCCESS && info.filetype != APR_REG) {
		apr_file_close(f);
		return kg_err_set(err, KG_ECONFIG, "%s: not a regular file",
				  path);
	}
	if (st != APR_SUCCESS || (apr_size_t)info.size > max) {
		apr_file_close(f);
		return kg_err_set(err, KG_ECONFIG, "%s: larger than %zu bytes",
				  path, max);
	}
	n = (apr_size_t)info.size;
	buf = apr_palloc(pool, n + 1);
	st = n > 0 ? apr_file_read_full(f, buf, n, &n) : APR_SUCCESS;
	apr_file_close(f);
	if (st != APR_SUCCESS)
		return kg_err_set(err, KG_ECONFIG, "%s: %s", path,
				  apr_strerror(st, reason, sizeof(reason)));
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return KG_OK;
}

const char *kg_conf_read_secret(apr_pool_t *pool, const char *arg, size_t min,
				kg_conf_secret *out)
{
	const char *text = arg;
	size_t len = strlen(arg);

	if (strncmp(arg, "file:", 5) == 0) {
		kg_err err;
		kg_err_clear(&err);
		if (kg_conf_read_file(pool, arg + 5, KG_SECRET_FILE_MAX, &text,
				      &len, &err) != KG_OK)
			return apr_pstrdup(pool, err.msg);
		if (len > 0 && text[len - 1] == '\n')
			len--;
		if (len > 0 && text[len - 1] == '\r')
			len--;
	}
	if (len == 0)
		return "is empty";
	if (len < min)
		return kg_psprintf(pool, "is shorter than %d bytes", (int)min);
	out->bytes = (const unsigned char *)apr_pstrmemdup(pool, text, len);
	out->len = len;
	return NULL;
}
