/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: the return path a login carries (return_to, and the
 * RelayState of an IdP-initiated login, which arrives form-encoded)
 * through the open-redirect guard, gateway/flow/core/redirect.h.
 *
 * Besides crashes, it checks a property with its own, browser-minded
 * reading: whatever kg_redirect_is_local accepts, decoded any number of
 * times, with tabs and line breaks dropped and backslashes read as
 * slashes (as browsers do), still starts with one '/' and no second one,
 * and kg_redirect_local_or_root gives it back unchanged. A violation
 * aborts (and is a crash for libFuzzer and the replay).
 */
#include "tests/fuzz/fuzz.h"
#include "gateway/base/str.h"
#include "gateway/flow/core/redirect.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when a browser given s as a Location on this site could leave it. */
static bool leaves_site(const char *s)
{
	char buf[KG_RETURN_PATH_MAX + 1];
	size_t n = 0;

	for (; *s && n < KG_RETURN_PATH_MAX; s++) {
		if (*s == '\t' || *s == '\n' || *s == '\r')
			continue;
		buf[n++] = *s == '\\' ? '/' : *s;
	}
	buf[n] = '\0';
	return buf[0] != '/' || buf[1] == '/';
}

/* Every percent-decoding of s, up to eight rounds, stays on the site. */
static bool stays_on_site(apr_pool_t *pool, const char *s)
{
	for (int round = 0; round < 8; round++) {
		const char *next = kg_str_url_decode(pool, s, strlen(s));
		if (leaves_site(s))
			return false;
		if (next == NULL || strcmp(next, s) == 0)
			return true;
		s = next;
	}
	return false;
}

static void check(apr_pool_t *pool, const char *s)
{
	bool rejected = false;
	const char *out = kg_redirect_local_or_root(s, &rejected);

	if (kg_redirect_is_local(s) &&
	    (!stays_on_site(pool, s) || out != s || rejected)) {
		fprintf(stderr, "fuzz_redirect: accepted an off-site path\n");
		abort();
	}
	if (!kg_redirect_is_local(s) && (strcmp(out, "/") != 0 || !rejected))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	const char *s, *form;

	apr_pool_create(&pool, root);
	s = apr_pstrmemdup(pool, (const char *)data, size);
	check(pool, s);
	/* a RelayState as the form body carries it */
	form = kg_str_url_decode(pool, s, strlen(s));
	if (form)
		check(pool, form);
	apr_pool_destroy(pool);
	return 0;
}
