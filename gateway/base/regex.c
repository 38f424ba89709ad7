/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: compiled regular expressions with Java-like syntax (PCRE2).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <string.h>

/* Bounds backtracking so that a catastrophic pattern fails fast. */
#define KG_REGEX_MATCH_LIMIT 100000

struct kg_regex {
	pcre2_code *code;
	pcre2_match_context *mctx;
};

static apr_status_t regex_cleanup(void *data)
{
	kg_regex *re = data;

	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	return APR_SUCCESS;
}

kg_regex *kg_regex_compile(apr_pool_t *pool, const char *pattern, char *msg,
			   size_t msgsize, size_t *offset)
{
	kg_regex *re;
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code;

	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			     PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED,
			     &errcode, &erroff, NULL);
	if (code == NULL) {
		pcre2_get_error_message(errcode, (PCRE2_UCHAR *)msg, msgsize);
		*offset = erroff;
		return NULL;
	}
	re = apr_palloc(pool, sizeof(*re));
	re->code = code;
	re->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(re->mctx, KG_REGEX_MATCH_LIMIT);
	apr_pool_cleanup_register(pool, re, regex_cleanup,
				  apr_pool_cleanup_null);
	return re;
}

bool kg_regex_full_match(const kg_regex *re, const char *s)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc;

	if (md == NULL)
		return false;
	rc = pcre2_match(re->code, (PCRE2_SPTR)s, strlen(s), 0, 0, md,
			 re->mctx);
	pcre2_match_data_free(md);
	return rc >= 0;
}
