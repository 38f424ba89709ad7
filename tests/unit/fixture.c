/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the shared fixture.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kgt_setup(void **state)
{
	apr_pool_t *pool;

	if (apr_pool_create(&pool, NULL) != APR_SUCCESS)
		return -1;
	*state = pool;
	return 0;
}

int kgt_teardown(void **state)
{
	apr_pool_destroy(*state);
	return 0;
}

int kgt_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
	int failed;

	apr_initialize();
	failed = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
	apr_terminate();
	return failed;
}

char *kgt_q(apr_pool_t *pool, const char *s)
{
	char *out = apr_pstrdup(pool, s);

	for (char *p = out; *p; p++)
		if (*p == '\'')
			*p = '"';
	return out;
}

kg_json *kgt_json(apr_pool_t *pool, const char *text)
{
	const char *t = kgt_q(pool, text);
	kg_json *v = NULL;
	kg_json_error e;

	if (!kg_json_parse(pool, t, strlen(t), KG_JSON_DEFAULT_DEPTH, &v, &e))
		fail_msg("bad test JSON at %d:%d: %s", e.line, e.col, e.msg);
	return v;
}

kg_mapper_set *kgt_set(apr_pool_t *pool, const char *text)
{
	apr_array_header_t *problems =
		apr_array_make(pool, 4, sizeof(const char *));
	const char *t = kgt_q(pool, text);
	kg_mapper_set *set = NULL;
	kg_err err = {0};

	if (kg_mapper_file_parse(pool, "m.json", t, strlen(t), &set, problems,
				 &err) != KG_OK)
		fail_msg("mapper file does not load: %s",
			 kgt_join(pool, problems));
	return set;
}

apr_array_header_t *kgt_set_problems(apr_pool_t *pool, const char *text)
{
	apr_array_header_t *problems =
		apr_array_make(pool, 4, sizeof(const char *));
	const char *t = kgt_q(pool, text);
	kg_mapper_set *set = NULL;
	kg_err err = {0};

	assert_int_equal(kg_mapper_file_parse(pool, "m.json", t, strlen(t),
					      &set, problems, &err),
			 KG_ECONFIG);
	assert_null(set);
	assert_true(problems->nelts >= 1);
	/* the first problem is also the error record */
	assert_string_equal(err.msg, APR_ARRAY_IDX(problems, 0, const char *));
	return problems;
}

const char *kgt_m(apr_pool_t *pool, const char *alias, const char *name,
		  const char *type, const char *config)
{
	return kg_psprintf(pool,
			   "{'name':'%s','identityProviderAlias':'%s',"
			   "'identityProviderMapper':'%s','config':{%s}}",
			   name, alias, type, config);
}

const char *kgt_file(apr_pool_t *pool, const char *idps, ...)
{
	apr_array_header_t *ms = apr_array_make(pool, 4, sizeof(char *));
	const char *m;
	va_list ap;

	va_start(ap, idps);
	while ((m = va_arg(ap, const char *)) != NULL)
		APR_ARRAY_PUSH(ms, const char *) = m;
	va_end(ap);
	return kg_psprintf(pool, "{%s%s%s'identityProviderMappers':[%s]}",
			   idps ? "'identityProviders':[" : "",
			   idps ? idps : "", idps ? "]," : "",
			   apr_array_pstrcat(pool, ms, ','));
}

kg_user *kgt_user(apr_pool_t *pool, const char *username, ...)
{
	kg_user *u = kg_user_make(pool);
	const char *r;
	va_list ap;

	u->username = username;
	va_start(ap, username);
	while ((r = va_arg(ap, const char *)) != NULL)
		APR_ARRAY_PUSH(u->roles, const char *) = r;
	va_end(ap);
	return u;
}

kg_assertion *kgt_saml(apr_pool_t *pool, const char *name_id,
		       const char *format)
{
	kg_assertion *a = apr_pcalloc(pool, sizeof(*a));

	a->name_id = name_id;
	a->name_id_format = format;
	a->attrs = apr_pcalloc(pool, sizeof(kg_saml_attr) * 64);
	return a;
}

void kgt_attr(kg_assertion *a, apr_pool_t *pool, const char *name,
	      const char *friendly, ...)
{
	kg_saml_attr *at = &a->attrs[a->nattrs++];
	apr_array_header_t *values =
		apr_array_make(pool, 2, sizeof(const char *));
	const char *v;
	va_list ap;

	assert_true(a->nattrs < 64);
	va_start(ap, friendly);
	while ((v = va_arg(ap, const char *)) != NULL)
		APR_ARRAY_PUSH(values, const char *) = v;
	va_end(ap);
	at->name = name;
	at->friendly_name = friendly;
	at->values = (const char **)values->elts;
	at->nvalues = (size_t)values->nelts;
}

kg_conf_mapping *kgt_conf(apr_pool_t *pool)
{
	kg_conf_mapping *m = apr_pcalloc(pool, sizeof(*m));

	kg_conf_mapping_defaults(pool, m);
	return m;
}

static kg_map_result map(apr_pool_t *pool, const kg_mapper_set *set,
			 const char *alias, const kg_map_input *in,
			 const kg_user *stored, const kg_conf_mapping *conf)
{
	kg_map_result res;
	kg_err err = {0};

	memset(&res, 0, sizeof(res));
	assert_int_equal(kg_map_apply(pool, set, conf ? conf : kgt_conf(pool),
				      alias, in, stored, &res, &err),
			 KG_OK);
	return res;
}

kg_map_result kgt_map_saml(apr_pool_t *pool, const kg_mapper_set *set,
			   const char *alias, const kg_assertion *a,
			   const kg_user *stored)
{
	kg_map_input in = {.proto = KG_PROTO_SAML, .saml = a};

	return map(pool, set, alias, &in, stored, NULL);
}

kg_map_result kgt_map_oidc(apr_pool_t *pool, const kg_mapper_set *set,
			   const char *alias, const char *claims,
			   const kg_user *stored)
{
	kg_map_input in = {.proto = KG_PROTO_OIDC,
			   .claims = kgt_json(pool, claims)};

	return map(pool, set, alias, &in, stored, NULL);
}

kg_map_result kgt_map_oidc_with(apr_pool_t *pool, const kg_mapper_set *set,
				const char *alias, const char *claims,
				const kg_user *stored,
				const kg_conf_mapping *conf)
{
	kg_map_input in = {.proto = KG_PROTO_OIDC,
			   .claims = kgt_json(pool, claims)};

	return map(pool, set, alias, &in, stored, conf);
}

kg_conf_mapping *kgt_conf_keycloak_usernames(apr_pool_t *pool)
{
	kg_conf_mapping *m = kgt_conf(pool);

	m->username_space_trim = true;
	m->username_case_lower = true;
	return m;
}

apr_array_header_t *kgt_list(apr_pool_t *pool, ...)
{
	apr_array_header_t *l = apr_array_make(pool, 4, sizeof(const char *));
	const char *v;
	va_list ap;

	va_start(ap, pool);
	while ((v = va_arg(ap, const char *)) != NULL)
		APR_ARRAY_PUSH(l, const char *) = v;
	va_end(ap);
	return l;
}

bool kgt_has(const apr_array_header_t *list, const char *s)
{
	for (int i = 0; list && i < list->nelts; i++)
		if (strcmp(APR_ARRAY_IDX(list, i, const char *), s) == 0)
			return true;
	return false;
}

bool kgt_any_contains(const apr_array_header_t *list, const char *needle)
{
	for (int i = 0; list && i < list->nelts; i++)
		if (strstr(APR_ARRAY_IDX(list, i, const char *), needle))
			return true;
	return false;
}

const char *kgt_join(apr_pool_t *pool, const apr_array_header_t *list)
{
	if (list == NULL)
		return "(none)";
	return apr_array_pstrcat(pool, list, ',');
}

static apr_status_t remove_file(void *path)
{
	unlink(path);
	return APR_SUCCESS;
}

const char *kgt_temp_file(apr_pool_t *pool, const char *text)
{
	char *path = apr_pstrdup(pool, "/tmp/kgt-XXXXXX");
	int fd = mkstemp(path);
	size_t n = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	apr_pool_cleanup_register(pool, path, remove_file,
				  apr_pool_cleanup_null);
	return path;
}

kg_rc kgt_conf_load(apr_pool_t *pool, const char *text, kg_conf **conf,
		    kg_err *err)
{
	*conf = kg_conf_make(pool);
	kg_err_clear(err);
	return kg_conf_file_load(pool, kgt_temp_file(pool, text), *conf, err);
}

void kgt_expect_directive_errors(apr_pool_t *pool,
				 const kgt_bad_directive *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		kg_conf *conf;
		kg_err err;
		assert_int_equal(kgt_conf_load(pool, rows[i].line, &conf, &err),
				 KG_ECONFIG);
		if (strstr(err.msg, rows[i].want) == NULL)
			fail_msg("%s: message \"%s\" lacks \"%s\"",
				 rows[i].line, err.msg, rows[i].want);
	}
}
