/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the settings table shared by httpd and the config file.
 *
 * Every setting is a `Keygate*` directive with a setter that takes string
 * arguments and returns NULL or an error message (httpd's directive
 * contract). gateway/httpd turns the table into command_rec entries; the
 * CLI reads the same directives from a file with kg_conf_file_load. One
 * table per concern (mapping, sessions, ...); kg_conf_directives lists
 * them all, and docs/configuration.md documents every entry (a check in
 * make check keeps the two in step).
 */
#ifndef KG_CONF_DIRECTIVE_H
#define KG_CONF_DIRECTIVE_H

#include "conf/conf.h"
#include "gateway/base/str.h"

#include <stddef.h>

/* Applies argv[0..argc) to conf. Returns NULL on success, or a message;
 * on error *bad_arg is the index of the offending argument (or -1 for the
 * directive as a whole). Allocates in pool, which outlives conf. */
typedef struct kg_directive kg_directive;
typedef const char *(*kg_directive_fn)(const kg_directive *self,
				       apr_pool_t *pool, kg_conf *conf,
				       int argc, const char *const *argv,
				       int *bad_arg);

struct kg_directive {
	const char *name; /* "KeygateRoles" */
	int min_args;	  /* at least this many arguments */
	int max_args;	  /* at most; -1 for no limit */
	kg_directive_fn set;
	const char *syntax; /* "ROLE..." for usage text */
	const char *help;   /* one line, shown by apachectl -L and docs */
	size_t offset;	    /* for kg_directive_set_name: the field */
};

/* The offset of a `const char *` field of kg_conf, for table entries whose
 * setter is kg_directive_set_name. */
#define KG_CONF_OFFSET(field) offsetof(kg_conf, field)

/* Runs d's setter after checking the argument count. Same contract as
 * kg_directive_fn. */
const char *kg_directive_apply(const kg_directive *d, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg);

/* A setter for a non-empty string stored at the entry's offset. */
const char *kg_directive_set_name(const kg_directive *self, apr_pool_t *pool,
				  kg_conf *conf, int argc,
				  const char *const *argv, int *bad_arg);

/* A setter for an On|Off flag stored (bool) at the entry's offset. */
const char *kg_directive_set_flag(const kg_directive *self, apr_pool_t *pool,
				  kg_conf *conf, int argc,
				  const char *const *argv, int *bad_arg);

/* Shared setter helpers, each the whole setter body for its kind. */
const char *kg_directive_flag(const char *arg, bool *out);
/* One of two words (case-insensitive): *out is true for the first. */
const char *kg_directive_choice(apr_pool_t *pool, const char *arg,
				const char *first, const char *second,
				bool *out);
const char *kg_directive_number(apr_pool_t *pool, const char *arg,
				long long min, long long max, long long *out);

/* arg of directive name as any dump or message may show it: the value
 * of a secret setting (a name with Secret or Password in it) becomes
 * "********" unless it is a file: path; the password of a URL's
 * USER:PASSWORD@ likewise (up to the authority's last '@'). Other values
 * come back as they are; anything new is in pool. */
const char *kg_directive_shown(apr_pool_t *pool, const char *name,
			       const char *arg);

#endif
