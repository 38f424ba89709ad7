/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: what a request may not carry to the backend
 * (security.md 2, 4): an access_token parameter (RFC 6750 2.3), and a
 * Connection token that would make the proxy drop an identity header.
 */
#include "tests/unit/fixture.h"

#include "gateway/base/http.h"
#include "gateway/flow/authn/identity.h"

#include <apr_strings.h>
#include <string.h>

static void test_access_token_parameters_are_found_and_removed(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *in, *out;
		int removed;
	} cases[] = {
		{"access_token=abc", "", 1},
		{"a=1&access_token=abc&b=2", "a=1&b=2", 1},
		{"access_token=x&access_token=y", "", 2},
		{"access%5Ftoken=x&a=1", "a=1", 1}, /* %-encoded name */
		{"access%5ftoken=x", "", 1},
		{"access_token&a=1", "a=1", 1}, /* no value */
		{"access_token=", "", 1},
		{"a=access_token", "a=access_token", 0}, /* a value */
		{"my_access_token=x", "my_access_token=x", 0},
		{"access_tokens=x", "access_tokens=x", 0},
		{"Access_Token=x", "Access_Token=x", 0}, /* names are exact */
		{"a=1&&b=2&", "a=1&b=2", 0},
		{"", "", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *out;
		size_t len;
		int n = kg_params_strip(pool, cases[i].in, strlen(cases[i].in),
					"access_token", &out, &len);
		if (n != cases[i].removed || strcmp(out, cases[i].out) != 0 ||
		    len != strlen(out))
			fail_msg("\"%s\": removed %d, left \"%s\"", cases[i].in,
				 n, out);
	}
}

/* The Connection value left after the guard, or "-" for none; *dropped
 * the removed tokens ("-" for none). */
static const char *guard(apr_pool_t *pool, const char **dropped, ...)
{
	kg_conf_location *loc = kg_conf_location_make(pool);
	kg_identity_header *h;
	apr_table_t *t = apr_table_make(pool, 4);
	const char *v, *left;
	va_list ap;

	loc->headers = apr_array_make(pool, 1, sizeof(kg_identity_header));
	h = apr_array_push(loc->headers);
	memset(h, 0, sizeof(*h));
	h->name = "Domino-Email";
	va_start(ap, dropped);
	while ((v = va_arg(ap, const char *)) != NULL)
		apr_table_add(t, "Connection", v);
	va_end(ap);
	apr_table_set(t, "domino-username", "alice");
	*dropped = kg_identity_guard_connection(pool, t, loc);
	if (*dropped == NULL)
		*dropped = "-";
	left = apr_table_get(t, "Connection");
	/* one Connection header at most */
	{
		int n = 0;
		const apr_array_header_t *e = apr_table_elts(t);
		for (int i = 0; i < e->nelts; i++)
			n += strcasecmp(((apr_table_entry_t *)e->elts)[i].key,
					"Connection") == 0;
		assert_true(n <= 1);
	}
	return left ? left : "-";
}

static void test_connection_cannot_name_what_keygate_sets(void **state)
{
	apr_pool_t *pool = *state;
	const char *dropped;

	assert_string_equal(
		guard(pool, &dropped, "close, domino-username", NULL), "close");
	assert_string_equal(dropped, "domino-username");
	assert_string_equal(guard(pool, &dropped, "Domino-Username", NULL),
			    "-");
	assert_string_equal(dropped, "Domino-Username");
	assert_string_equal(
		guard(pool, &dropped, "DOMINO_USERNAME,keep-alive", NULL),
		"keep-alive");
	assert_string_equal(
		guard(pool, &dropped, " \tdomino-username ,, close ,", NULL),
		"close");
	assert_string_equal(guard(pool, &dropped, "close",
				  "domino-email, authorization", NULL),
			    "close");
	assert_string_equal(dropped, "domino-email,authorization");
	assert_string_equal(guard(pool, &dropped, "Upgrade, X-Other", NULL),
			    "Upgrade, X-Other");
	assert_string_equal(dropped, "-");
	assert_string_equal(guard(pool, &dropped, "domino-usernamex", NULL),
			    "domino-usernamex");
	assert_string_equal(guard(pool, &dropped, "AUTHORIZATION", NULL), "-");
	assert_string_equal(dropped, "AUTHORIZATION");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_access_token_parameters_are_found_and_removed),
		KGT(test_connection_cannot_name_what_keygate_sets),
	};
	return KGT_RUN(tests);
}
