/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: splitting a directive line into words: blanks separate words,
 * double quotes group them (with \" and \\ escapes), # starts a comment.
 * Config files and `Require keygate-...` lines use it.
 */
#ifndef KG_CONF_WORDS_H
#define KG_CONF_WORDS_H

#include <apr_pools.h>
#include <apr_tables.h>

#define KG_CONF_WORDS_MAX 64

typedef struct {
	const char *text;
	int col; /* 1-based, in characters */
} kg_conf_word;

/* Appends the words of line to words (kg_conf_word). Returns NULL, or an
 * error message with *err_col at the offending character. */
const char *kg_conf_words(apr_pool_t *pool, const char *line,
			  apr_array_header_t *words, int *err_col);

#endif
