/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the shared fixture. One APR pool per test (state),
 * and builders for the inputs the mapper tests need. In JSON text passed
 * to kgt_json and kgt_set, ' stands for " (same length, same columns).
 */
#ifndef KGT_FIXTURE_H
#define KGT_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "conf/mapper_file.h"
#include "conf/mapping.h"
#include "gateway/base/assertion.h"
#include "gateway/base/json.h"
#include "mappers/map.h"

#include <apr_general.h>
#include <apr_pools.h>

int kgt_setup(void **state);
int kgt_teardown(void **state);
/* apr_initialize, run the tests, apr_terminate. */
int kgt_run(const char *name, const struct CMUnitTest *tests, size_t n);
#define KGT_RUN(tests)                                                         \
	kgt_run(__FILE__, tests, sizeof(tests) / sizeof((tests)[0]))
#define KGT(fn) cmocka_unit_test_setup_teardown(fn, kgt_setup, kgt_teardown)

/* ' -> " */
char *kgt_q(apr_pool_t *pool, const char *s);
/* Parses JSON text (after kgt_q); fails the test when it is invalid. */
kg_json *kgt_json(apr_pool_t *pool, const char *text);
/* Compiles a mapper file (after kgt_q); fails the test with every problem
 * when it does not load. */
kg_mapper_set *kgt_set(apr_pool_t *pool, const char *text);
/* Loads text as a mapper file and returns its problems (>= 1 expected). */
apr_array_header_t *kgt_set_problems(apr_pool_t *pool, const char *text);

/* One mapper object in file syntax (' for "): alias, name, type and the
 * inside of its config object. */
const char *kgt_m(apr_pool_t *pool, const char *alias, const char *name,
		  const char *type, const char *config);
/* A mapper file: idps is the inside of identityProviders (NULL: no such
 * key), then NULL-terminated mapper objects. */
const char *kgt_file(apr_pool_t *pool, const char *idps, ...);
/* A stored user with a username and NULL-terminated roles. */
kg_user *kgt_user(apr_pool_t *pool, const char *username, ...);

/* An assertion with a NameID (may be NULL) and format (may be NULL). */
kg_assertion *kgt_saml(apr_pool_t *pool, const char *name_id,
		       const char *format);
/* Appends an Attribute; values end with NULL. */
void kgt_attr(kg_assertion *a, apr_pool_t *pool, const char *name,
	      const char *friendly, ...);

/* Default mapping settings. */
kg_conf_mapping *kgt_conf(apr_pool_t *pool);

/* kg_map_apply for SAML / OIDC, asserting KG_OK. */
kg_map_result kgt_map_saml(apr_pool_t *pool, const kg_mapper_set *set,
			   const char *alias, const kg_assertion *a,
			   const kg_user *stored);
kg_map_result kgt_map_oidc(apr_pool_t *pool, const kg_mapper_set *set,
			   const char *alias, const char *claims,
			   const kg_user *stored);

/* kgt_map_oidc with these mapping settings. */
kg_map_result kgt_map_oidc_with(apr_pool_t *pool, const kg_mapper_set *set,
				const char *alias, const char *claims,
				const kg_user *stored,
				const kg_conf_mapping *conf);
/* Default mapping settings, but usernames from tokens trimmed and
 * lower-cased as Keycloak does (KeygateUsernameSpace trim,
 * KeygateUsernameCase lower). */
kg_conf_mapping *kgt_conf_keycloak_usernames(apr_pool_t *pool);

/* A string list from NULL-terminated arguments. */
apr_array_header_t *kgt_list(apr_pool_t *pool, ...);
/* True when list holds s exactly. */
bool kgt_has(const apr_array_header_t *list, const char *s);
/* True when some string of list contains needle. */
bool kgt_any_contains(const apr_array_header_t *list, const char *needle);
/* list joined by ',' (for readable assertions). */
const char *kgt_join(apr_pool_t *pool, const apr_array_header_t *list);
/* Writes text to a fresh temp file; returns its path (removed at exit). */
const char *kgt_temp_file(apr_pool_t *pool, const char *text);

/* Loads text as a keygate config file into a fresh *conf (err cleared
 * first). */
kg_rc kgt_conf_load(apr_pool_t *pool, const char *text, kg_conf **conf,
		    kg_err *err);
/* One bad directive line and words its error message must contain. */
typedef struct {
	const char *line, *want;
} kgt_bad_directive;
/* Fails the test unless every row fails to load with KG_ECONFIG and a
 * message containing its want. */
void kgt_expect_directive_errors(apr_pool_t *pool,
				 const kgt_bad_directive *rows, size_t n);

#endif
