/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: mapper files: Keycloak realm-export JSON compiled into a
 * mapper set. Every problem is collected, so an admin sees all of them in
 * one run.
 */
#include "conf/mapper_file.h"
#include "gateway/base/str.h"
#include "conf/read.h"
#include "gateway/base/json.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct {
	apr_pool_t *pool;
	const char *path;
	apr_array_header_t *problems; /* may be NULL */
	int count;
	kg_err *err;
} loader;

/* The mapper being compiled, for messages. */
typedef struct {
	loader *l;
	kg_mapper *m;
	const kg_json *obj;    /* the mapper object */
	const kg_json *config; /* its config object (never NULL) */
} mapper_ctx;

typedef void (*compile_fn)(mapper_ctx *c);

typedef struct {
	const char *id;
	kg_mapper_kind kind;
	kg_proto proto;
	compile_fn compile;
} mapper_type;

static void problem(loader *l, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void problem(loader *l, int line, int col, const char *fmt, ...)
{
	char msg[KG_ERR_MSG_MAX];
	const char *full;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	full = kg_psprintf(l->pool, "%s:%d:%d: %s", l->path, line, col, msg);
	if (l->problems)
		APR_ARRAY_PUSH(l->problems, const char *) = full;
	kg_err_set(l->err, KG_ECONFIG, "%s", full);
	l->count++;
}

static const char *mapper_label(const mapper_ctx *c)
{
	return kg_psprintf(c->l->pool, "mapper \"%s\"",
			   c->m->name ? c->m->name : "?");
}

/* Reads config[key] as a string. Absent: NULL (a problem when required).
 * Not a string: a problem naming the mapper and the key. */
static const char *config_string(mapper_ctx *c, const char *key, bool required)
{
	const kg_json *v = kg_json_get(c->config, key);

	if (v == NULL || v->type == KG_JSON_NULL) {
		if (required)
			problem(c->l, c->config->line, c->config->col,
				"%s: config is missing the required key \"%s\"",
				mapper_label(c), key);
		return NULL;
	}
	if (v->type != KG_JSON_STRING) {
		problem(c->l, v->line, v->col,
			"%s: config \"%s\" must be a string, not %s",
			mapper_label(c), key, kg_json_type_name(v->type));
		return NULL;
	}
	if (required && v->str[0] == '\0') {
		problem(c->l, v->line, v->col,
			"%s: config \"%s\" must not be empty", mapper_label(c),
			key);
		return NULL;
	}
	return v->str;
}

/* A string that is absent or blank reads as NULL, as the admin console
 * saves an emptied field. */
static const char *config_optional(mapper_ctx *c, const char *key)
{
	const char *s = config_string(c, key, false);

	return s && s[0] != '\0' ? s : NULL;
}

static bool config_bool(mapper_ctx *c, const char *key)
{
	const char *s = config_string(c, key, false);
	const kg_json *v = kg_json_get(c->config, key);

	if (s == NULL || s[0] == '\0')
		return false;
	if (strcasecmp(s, "true") == 0)
		return true;
	if (strcasecmp(s, "false") != 0)
		problem(c->l, v->line, v->col,
			"%s: config \"%s\" must be \"true\" or \"false\"",
			mapper_label(c), key);
	return false;
}

/* True when key is present with a type already reported as wrong. */
static bool wrong_type(mapper_ctx *c, const char *key)
{
	const kg_json *v = kg_json_get(c->config, key);

	return v && v->type != KG_JSON_STRING && v->type != KG_JSON_NULL;
}

static void compile_attribute_lookup(mapper_ctx *c, bool required)
{
	c->m->attribute_name = config_optional(c, "attribute.name");
	c->m->friendly_name = config_optional(c, "attribute.friendly.name");
	c->m->name_format = config_optional(c, "attribute.name.format");
	if (required && c->m->attribute_name == NULL &&
	    c->m->friendly_name == NULL && !wrong_type(c, "attribute.name") &&
	    !wrong_type(c, "attribute.friendly.name"))
		problem(c->l, c->config->line, c->config->col,
			"%s: config needs \"attribute.name\" or "
			"\"attribute.friendly.name\"",
			mapper_label(c));
}

static void compile_saml_attribute(mapper_ctx *c)
{
	compile_attribute_lookup(c, true);
	c->m->user_attribute = config_string(c, "user.attribute", true);
}

static void compile_oidc_attribute(mapper_ctx *c)
{
	c->m->claim = config_string(c, "claim", true);
	c->m->user_attribute = config_string(c, "user.attribute", true);
}

static void compile_username(mapper_ctx *c)
{
	bool saml = c->m->kind == KG_MAP_SAML_USERNAME;
	const char *source = config_optional(c, "template");
	const char *target = config_optional(c, "target");
	const kg_json *v = kg_json_get(c->config, "template");
	char msg[160];
	size_t offset = 0;

	if (source == NULL)
		source = saml ? "${ALIAS}.${NAMEID}"
			      : "${ALIAS}.${CLAIM.preferred_username}";
	c->m->template = kg_template_compile(c->l->pool, source, saml, msg,
					     sizeof(msg), &offset);
	if (c->m->template == NULL)
		problem(c->l, v ? v->line : c->config->line,
			v ? v->col + 1 + (int)offset : c->config->col,
			"%s: config \"template\": %s", mapper_label(c), msg);
	if (target == NULL || strcasecmp(target, "LOCAL") == 0)
		c->m->target = KG_TARGET_LOCAL;
	else if (strcasecmp(target, "BROKER_ID") == 0)
		c->m->target = KG_TARGET_BROKER_ID;
	else if (strcasecmp(target, "BROKER_USERNAME") == 0)
		c->m->target = KG_TARGET_BROKER_USERNAME;
	else {
		v = kg_json_get(c->config, "target");
		problem(c->l, v->line, v->col,
			"%s: config \"target\" must be LOCAL, BROKER_ID or "
			"BROKER_USERNAME",
			mapper_label(c));
	}
}

static void compile_email_prefix(mapper_ctx *c)
{
	(void)c;
}

static void compile_hardcoded_attribute(mapper_ctx *c)
{
	c->m->user_attribute = config_string(c, "attribute", true);
	c->m->value = config_string(c, "attribute.value", false);
	if (c->m->value == NULL)
		c->m->value = "";
}

static void compile_role(mapper_ctx *c)
{
	c->m->role = config_string(c, "role", true);
}

static void compile_saml_role(mapper_ctx *c)
{
	compile_attribute_lookup(c, false);
	c->m->value = config_string(c, "attribute.value", false);
	if (c->m->value == NULL)
		c->m->value = "";
	compile_role(c);
}

static void compile_oidc_role(mapper_ctx *c)
{
	c->m->claim = config_string(c, "claim", true);
	c->m->value = config_string(c, "claim.value", false);
	if (c->m->value == NULL)
		c->m->value = "";
	compile_role(c);
}

/* Parses the JSON-in-a-string list of {key, value} conditions of an
 * advanced role mapper, compiling each value when regex is on. */
static void compile_conditions(mapper_ctx *c, const char *key,
			       const char *regex_key)
{
	const char *text = config_string(c, key, true);
	const kg_json *where = kg_json_get(c->config, key);
	kg_json *list;
	kg_json_error e;

	c->m->regex = config_bool(c, regex_key);
	compile_role(c);
	if (text == NULL)
		return;
	if (!kg_json_parse(c->l->pool, text, strlen(text), 8, &list, &e) ||
	    list->type != KG_JSON_ARRAY) {
		problem(c->l, where->line, where->col,
			"%s: config \"%s\" must be a JSON list of "
			"{\"key\": ..., \"value\": ...}",
			mapper_label(c), key);
		return;
	}
	c->m->conditions = apr_pcalloc(c->l->pool, sizeof(kg_mapper_condition) *
							   (list->count + 1));
	c->m->nconditions = list->count;
	for (size_t i = 0; i < list->count; i++) {
		const kg_json *item = list->members[i].value;
		const kg_json *k = kg_json_get(item, "key");
		const kg_json *v = kg_json_get(item, "value");
		kg_mapper_condition *cond = &c->m->conditions[i];
		char msg[160];
		size_t off;

		if (k == NULL || k->type != KG_JSON_STRING || v == NULL ||
		    v->type != KG_JSON_STRING || k->str[0] == '\0') {
			problem(c->l, where->line, where->col,
				"%s: config \"%s\" item %zu must have string "
				"\"key\" and \"value\"",
				mapper_label(c), key, i + 1);
			continue;
		}
		cond->key = k->str;
		cond->value = v->str;
		if (!c->m->regex)
			continue;
		cond->regex = kg_regex_compile(c->l->pool, v->str, msg,
					       sizeof(msg), &off);
		if (cond->regex == NULL)
			problem(c->l, where->line, where->col,
				"%s: config \"%s\" item %zu: regex \"%s\" does "
				"not compile: %s at character %zu",
				mapper_label(c), key, i + 1, v->str, msg, off);
	}
}

static void compile_saml_advanced_role(mapper_ctx *c)
{
	compile_conditions(c, "attributes", "are.attribute.values.regex");
}

static void compile_oidc_advanced_role(mapper_ctx *c)
{
	compile_conditions(c, "claims", "are.claim.values.regex");
}

static const mapper_type mapper_types[] = {
	{"saml-user-attribute-idp-mapper", KG_MAP_SAML_ATTRIBUTE, KG_PROTO_SAML,
	 compile_saml_attribute},
	{"oidc-user-attribute-idp-mapper", KG_MAP_OIDC_ATTRIBUTE, KG_PROTO_OIDC,
	 compile_oidc_attribute},
	{"saml-username-idp-mapper", KG_MAP_SAML_USERNAME, KG_PROTO_SAML,
	 compile_username},
	{"oidc-username-idp-mapper", KG_MAP_OIDC_USERNAME, KG_PROTO_OIDC,
	 compile_username},
	{"email-prefix-username-idp-mapper", KG_MAP_EMAIL_PREFIX, KG_PROTO_ANY,
	 compile_email_prefix},
	{"hardcoded-attribute-idp-mapper", KG_MAP_HARDCODED_ATTRIBUTE,
	 KG_PROTO_ANY, compile_hardcoded_attribute},
	{"hardcoded-role-idp-mapper", KG_MAP_HARDCODED_ROLE, KG_PROTO_ANY,
	 compile_role},
	{"oidc-hardcoded-role-idp-mapper", KG_MAP_HARDCODED_ROLE, KG_PROTO_ANY,
	 compile_role},
	{"saml-role-idp-mapper", KG_MAP_SAML_ROLE, KG_PROTO_SAML,
	 compile_saml_role},
	{"saml-advanced-role-idp-mapper", KG_MAP_SAML_ADVANCED_ROLE,
	 KG_PROTO_SAML, compile_saml_advanced_role},
	{"oidc-role-idp-mapper", KG_MAP_OIDC_ROLE, KG_PROTO_OIDC,
	 compile_oidc_role},
	{"oidc-advanced-role-idp-mapper", KG_MAP_OIDC_ADVANCED_ROLE,
	 KG_PROTO_OIDC, compile_oidc_advanced_role},
};

static const mapper_type *find_type(const char *id)
{
	for (size_t i = 0; i < sizeof(mapper_types) / sizeof(*mapper_types);
	     i++) {
		if (strcmp(mapper_types[i].id, id) == 0)
			return &mapper_types[i];
	}
	return NULL;
}

static bool parse_sync(const char *s, bool allow_inherit, kg_sync_mode *out)
{
	static const char *const names[] = {"LEGACY", "IMPORT", "FORCE",
					    "INHERIT"};

	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			if (i == KG_SYNC_INHERIT && !allow_inherit)
				return false;
			*out = (kg_sync_mode)i;
			return true;
		}
	}
	return false;
}

const char *kg_sync_mode_name(kg_sync_mode mode)
{
	static const char *const names[] = {"LEGACY", "IMPORT", "FORCE",
					    "INHERIT"};
	return names[mode];
}

/* Reads obj[key] as a required non-empty string, or reports it. */
static const char *member_string(loader *l, const kg_json *obj,
				 const char *what, const char *key)
{
	const kg_json *v = kg_json_get(obj, key);

	if (v == NULL) {
		problem(l, obj->line, obj->col, "%s is missing \"%s\"", what,
			key);
		return NULL;
	}
	if (v->type != KG_JSON_STRING || v->str[0] == '\0') {
		problem(l, v->line, v->col,
			"%s: \"%s\" must be a non-empty string", what, key);
		return NULL;
	}
	return v->str;
}

static kg_proto proto_of_provider(const char *provider_id)
{
	return strcmp(provider_id, "saml") == 0 ? KG_PROTO_SAML : KG_PROTO_OIDC;
}

static void load_idps(loader *l, const kg_json *root, kg_mapper_set *set)
{
	const kg_json *list = kg_json_get(root, "identityProviders");

	if (list == NULL)
		return;
	if (list->type != KG_JSON_ARRAY) {
		problem(l, list->line, list->col,
			"\"identityProviders\" must be an array, not %s",
			kg_json_type_name(list->type));
		return;
	}
	set->idps = apr_pcalloc(l->pool, sizeof(kg_idp) * (list->count + 1));
	for (size_t i = 0; i < list->count; i++) {
		const kg_json *o = list->members[i].value;
		const kg_json *config, *sync, *enabled;
		kg_idp *idp = &set->idps[set->nidps];
		const char *what =
			kg_psprintf(l->pool, "identity provider %zu", i + 1);

		if (o->type != KG_JSON_OBJECT) {
			problem(l, o->line, o->col, "%s must be an object",
				what);
			continue;
		}
		idp->alias = member_string(l, o, what, "alias");
		if (idp->alias == NULL)
			continue;
		what = kg_psprintf(l->pool, "identity provider \"%s\"",
				   idp->alias);
		if (kg_mapper_set_idp(set, idp->alias))
			problem(l, o->line, o->col, "%s is defined twice",
				what);
		idp->provider_id =
			kg_json_get(o, "providerId")
				? member_string(l, o, what, "providerId")
				: "saml";
		idp->proto = proto_of_provider(
			idp->provider_id ? idp->provider_id : "saml");
		idp->sync = KG_SYNC_LEGACY;
		idp->enabled = true;
		enabled = kg_json_get(o, "enabled");
		if (enabled && enabled->type != KG_JSON_TRUE &&
		    enabled->type != KG_JSON_FALSE)
			problem(l, enabled->line, enabled->col,
				"%s: \"enabled\" must be true or false", what);
		else if (enabled)
			idp->enabled = enabled->type == KG_JSON_TRUE;
		config = kg_json_get(o, "config");
		if (config && config->type != KG_JSON_OBJECT) {
			problem(l, config->line, config->col,
				"%s: \"config\" must be an object", what);
			config = NULL;
		}
		sync = kg_json_get(config, "syncMode");
		if (sync && (sync->type != KG_JSON_STRING ||
			     !parse_sync(sync->str, false, &idp->sync)))
			problem(l, sync->line, sync->col,
				"%s: config \"syncMode\" must be LEGACY, "
				"IMPORT "
				"or FORCE",
				what);
		set->nidps++;
	}
}

/* Compiles one mapper object into m. Returns false when the object is
 * unusable. */
static bool load_mapper(loader *l, const kg_json *o, kg_mapper_set *set,
			kg_mapper *m)
{
	mapper_ctx c = {.l = l, .m = m, .obj = o};
	static const kg_json empty = {.type = KG_JSON_OBJECT};
	const kg_json *type_v, *sync;
	const mapper_type *type;
	const kg_idp *idp;

	m->line = o->line;
	m->col = o->col;
	m->name = member_string(l, o, "mapper", "name");
	if (m->name == NULL)
		return false;
	c.config = kg_json_get(o, "config");
	if (c.config == NULL) {
		kg_json *e = apr_pmemdup(l->pool, &empty, sizeof(empty));
		e->line = o->line;
		e->col = o->col;
		c.config = e;
	} else if (c.config->type != KG_JSON_OBJECT) {
		problem(l, c.config->line, c.config->col,
			"%s: \"config\" must be an object, not %s",
			mapper_label(&c), kg_json_type_name(c.config->type));
		return false;
	}
	m->alias =
		member_string(l, o, mapper_label(&c), "identityProviderAlias");
	m->type_id =
		member_string(l, o, mapper_label(&c), "identityProviderMapper");
	if (m->alias == NULL || m->type_id == NULL)
		return false;
	type_v = kg_json_get(o, "identityProviderMapper");
	type = find_type(m->type_id);
	if (type == NULL) {
		problem(l, type_v->line, type_v->col,
			"%s: mapper type \"%s\" is not implemented by keygate",
			mapper_label(&c), m->type_id);
		return false;
	}
	m->kind = type->kind;
	m->proto = type->proto;
	m->sync = KG_SYNC_LEGACY;
	sync = kg_json_get(c.config, "syncMode");
	if (sync && (sync->type != KG_JSON_STRING ||
		     !parse_sync(sync->str, true, &m->sync)))
		problem(l, sync->line, sync->col,
			"%s: config \"syncMode\" must be INHERIT, LEGACY, "
			"IMPORT or FORCE",
			mapper_label(&c));
	idp = kg_mapper_set_idp(set, m->alias);
	type_v = kg_json_get(o, "identityProviderAlias");
	if (set->nidps > 0 && idp == NULL)
		problem(l, type_v->line, type_v->col,
			"%s: identityProviderAlias \"%s\" names no provider "
			"in identityProviders",
			mapper_label(&c), m->alias);
	if (idp && m->proto != KG_PROTO_ANY && m->proto != idp->proto)
		problem(l, type_v->line, type_v->col,
			"%s: a %s mapper cannot serve %s provider \"%s\"",
			mapper_label(&c),
			m->proto == KG_PROTO_SAML ? "SAML" : "OIDC",
			idp->proto == KG_PROTO_SAML ? "SAML" : "OIDC",
			m->alias);
	type->compile(&c);
	return true;
}

static void load_mappers(loader *l, const kg_json *root, kg_mapper_set *set)
{
	const kg_json *list = kg_json_get(root, "identityProviderMappers");

	if (list == NULL) {
		problem(l, root->line, root->col,
			"no \"identityProviderMappers\" array: not a mapper "
			"file or realm export");
		return;
	}
	if (list->type != KG_JSON_ARRAY) {
		problem(l, list->line, list->col,
			"\"identityProviderMappers\" must be an array, not %s",
			kg_json_type_name(list->type));
		return;
	}
	set->mappers =
		apr_pcalloc(l->pool, sizeof(kg_mapper) * (list->count + 1));
	for (size_t i = 0; i < list->count; i++) {
		const kg_json *o = list->members[i].value;
		kg_mapper *m = &set->mappers[set->nmappers];

		if (o->type != KG_JSON_OBJECT) {
			problem(l, o->line, o->col,
				"identityProviderMappers item %zu must be an "
				"object, not %s",
				i + 1, kg_json_type_name(o->type));
			continue;
		}
		if (!load_mapper(l, o, set, m))
			continue;
		for (size_t j = 0; j < set->nmappers; j++) {
			const kg_mapper *other = &set->mappers[j];
			if (strcmp(other->name, m->name) == 0 &&
			    strcmp(other->alias, m->alias) == 0)
				problem(l, o->line, o->col,
					"mapper \"%s\": a mapper of that name "
					"already exists for \"%s\" (line %d)",
					m->name, m->alias, other->line);
		}
		set->nmappers++;
	}
}

kg_rc kg_mapper_file_parse(apr_pool_t *pool, const char *path, const char *text,
			   size_t len, kg_mapper_set **out,
			   apr_array_header_t *problems, kg_err *err)
{
	loader l = {
		.pool = pool, .path = path, .problems = problems, .err = err};
	kg_mapper_set *set = apr_pcalloc(pool, sizeof(*set));
	kg_json *root;
	kg_json_error e;

	set->path = apr_pstrdup(pool, path);
	/* an admin's file: an editor's byte-order mark is fine */
	if (!kg_json_parse_ex(pool, text, len, KG_JSON_DEFAULT_DEPTH,
			      KG_JSON_ALLOW_BOM, &root, &e)) {
		problem(&l, e.line, e.col, "%s", e.msg);
		return KG_ECONFIG;
	}
	if (root->type != KG_JSON_OBJECT) {
		problem(&l, root->line, root->col,
			"a mapper file must be a JSON object, not %s",
			kg_json_type_name(root->type));
		return KG_ECONFIG;
	}
	load_idps(&l, root, set);
	load_mappers(&l, root, set);
	if (l.count > 0)
		return KG_ECONFIG;
	*out = set;
	return KG_OK;
}

kg_rc kg_mapper_file_load(apr_pool_t *pool, const char *path,
			  kg_mapper_set **out, apr_array_header_t *problems,
			  kg_err *err)
{
	const char *text;
	size_t len;
	kg_rc rc = kg_conf_read_file(pool, path, KG_CONF_FILE_MAX, &text, &len,
				     err);

	if (rc != KG_OK) {
		if (problems)
			APR_ARRAY_PUSH(problems, const char *) =
				apr_pstrdup(pool, err->msg);
		return rc;
	}
	return kg_mapper_file_parse(pool, path, text, len, out, problems, err);
}

const kg_idp *kg_mapper_set_idp(const kg_mapper_set *set, const char *alias)
{
	for (size_t i = 0; i < set->nidps; i++) {
		if (set->idps[i].alias &&
		    strcmp(set->idps[i].alias, alias) == 0)
			return &set->idps[i];
	}
	return NULL;
}

kg_sync_mode kg_mapper_set_idp_sync(const kg_mapper_set *set, const char *alias)
{
	const kg_idp *idp = kg_mapper_set_idp(set, alias);

	return idp ? idp->sync : KG_SYNC_LEGACY;
}
