/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading an admin file whole, with a size cap.
 */
#ifndef KG_CONF_READ_H
#define KG_CONF_READ_H

#include "conf/sessions.h"
#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stddef.h>

/* The largest config or mapper file keygate reads. */
#define KG_CONF_FILE_MAX (4u * 1024 * 1024)

/* Reads the file at path into pool memory (NUL-terminated) and sets *text
 * and *len. A missing, unreadable or larger-than-max file is KG_ECONFIG
 * with "PATH: reason". */
kg_rc kg_conf_read_file(apr_pool_t *pool, const char *path, size_t max,
			const char **text, size_t *len, kg_err *err);

/* Reads a secret: "file:/PATH" reads the file (one trailing newline
 * dropped), anything else is the secret itself. Returns NULL and fills
 * *out (bytes in pool), or a message when the secret is unreadable, empty
 * or shorter than min bytes; *out is untouched then. */
const char *kg_conf_read_secret(apr_pool_t *pool, const char *arg, size_t min,
				kg_conf_secret *out);

#endif
