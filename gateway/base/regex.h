/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: compiled regular expressions with Java-like syntax (PCRE2).
 *
 * Keycloak's advanced role mappers use Java's String.matches, a whole-string
 * match; kg_regex_full_match gives the same. Patterns are compiled once, at
 * configuration load; matching is bounded so a hostile pattern or value
 * cannot stall a worker. This is the only file that names PCRE2.
 */
#ifndef KG_REGEX_H
#define KG_REGEX_H

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct kg_regex kg_regex;

/* Compiles pattern (UTF-8). On success returns a regex that lives as long
 * as pool. On failure returns NULL and writes a reason and the 0-based
 * character offset of the error into msg and *offset. */
kg_regex *kg_regex_compile(apr_pool_t *pool, const char *pattern, char *msg,
			   size_t msgsize, size_t *offset);

/* True when the whole of s matches re. A match that exceeds the work limit
 * counts as no match. */
bool kg_regex_full_match(const kg_regex *re, const char *s);

#endif
