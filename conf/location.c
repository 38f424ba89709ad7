/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the per-location settings.
 */
#include "conf/location.h"
#include "conf/directive.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

kg_conf_location *kg_conf_location_make(apr_pool_t *pool)
{
	return apr_pcalloc(pool, sizeof(kg_conf_location));
}

kg_conf_location *kg_conf_location_merge(apr_pool_t *pool,
					 const kg_conf_location *base,
					 const kg_conf_location *add)
{
	kg_conf_location *m = apr_palloc(pool, sizeof(*m));

	m->unauth = add->unauth != KG_UNAUTH_UNSET ? add->unauth : base->unauth;
	m->headers = add->headers ? add->headers : base->headers;
	m->app_jwt =
		add->app_jwt != KG_FLAG_UNSET ? add->app_jwt : base->app_jwt;
	m->bearer_check = add->bearer_check != KG_FLAG_UNSET
				  ? add->bearer_check
				  : base->bearer_check;
	return m;
}

bool kg_conf_location_bearer_check(const kg_conf_location *loc)
{
	return loc->bearer_check != KG_FLAG_OFF;
}

kg_unauth_action kg_conf_location_unauth(const kg_conf_location *loc)
{
	return loc->unauth == KG_UNAUTH_UNSET ? KG_UNAUTH_AUTO : loc->unauth;
}

static const char *set_unauth(apr_pool_t *pool, kg_conf_location *loc, int argc,
			      const char *const *argv, int *bad_arg)
{
	static const struct {
		const char *word;
		kg_unauth_action action;
	} words[] = {{"auto", KG_UNAUTH_AUTO},
		     {"login", KG_UNAUTH_LOGIN},
		     {"401", KG_UNAUTH_401},
		     {"pass", KG_UNAUTH_PASS}};

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		if (strcasecmp(argv[0], words[i].word) == 0) {
			loc->unauth = words[i].action;
			return NULL;
		}
	}
	*bad_arg = 0;
	return "must be auto, login, 401 or pass";
}

/* A header name: a token of letters, digits and '-' (no '_', which some
 * servers fold into '-'). */
static bool is_header_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	}
	return true;
}

static const char *set_header(apr_pool_t *pool, kg_conf_location *loc, int argc,
			      const char *const *argv, int *bad_arg)
{
	static const struct {
		const char *word;
		kg_header_source source;
	} sources[] = {{"username", KG_HDR_USERNAME},
		       {"email", KG_HDR_EMAIL},
		       {"name", KG_HDR_NAME},
		       {"roles", KG_HDR_ROLES},
		       {"organizations", KG_HDR_ORGANIZATIONS},
		       {"idpbroker", KG_HDR_IDPBROKER},
		       {"id", KG_HDR_USER_ID}};
	kg_identity_header *h;
	apr_array_header_t *list;

	if (!is_header_name(argv[0])) {
		*bad_arg = 0;
		return "must be a header name of letters, digits and '-'";
	}
	list = apr_array_make(pool, 4, sizeof(kg_identity_header));
	if (loc->headers)
		apr_array_cat(list, loc->headers);
	h = apr_array_push(list);
	h->name = apr_pstrdup(pool, argv[0]);
	h->attribute = NULL;
	for (size_t i = 0; i < sizeof(sources) / sizeof(*sources); i++) {
		if (strcasecmp(argv[1], sources[i].word) == 0) {
			h->source = sources[i].source;
			loc->headers = list;
			return NULL;
		}
	}
	if (strncasecmp(argv[1], "attribute:", 10) == 0 && argv[1][10]) {
		h->source = KG_HDR_ATTRIBUTE;
		h->attribute = apr_pstrdup(pool, argv[1] + 10);
		loc->headers = list;
		return NULL;
	}
	*bad_arg = 1;
	return "must be username, email, name, roles, organizations or "
	       "attribute:NAME";
}

static const char *set_app_jwt(apr_pool_t *pool, kg_conf_location *loc,
			       int argc, const char *const *argv, int *bad_arg)
{
	bool on;
	const char *err = kg_directive_flag(argv[0], &on);

	*bad_arg = 0;
	if (err == NULL)
		loc->app_jwt = on ? KG_FLAG_ON : KG_FLAG_OFF;
	return err;
}

static const char *set_bearer_check(apr_pool_t *pool, kg_conf_location *loc,
				    int argc, const char *const *argv,
				    int *bad_arg)
{
	bool on;
	const char *err = kg_directive_flag(argv[0], &on);

	*bad_arg = 0;
	if (err == NULL)
		loc->bearer_check = on ? KG_FLAG_ON : KG_FLAG_OFF;
	return err;
}

const kg_loc_directive kg_conf_location_directives[] = {
	{"KeygateUnauthAction", 1, 1, set_unauth, "auto|login|401|pass",
	 "what an unauthenticated request gets: login for browsers and 401 "
	 "for APIs (auto), or always one of login, 401, pass (as Anonymous)"},
	{"KeygateIdentityHeader", 2, 2, set_header, "NAME SOURCE",
	 "send the user's username, email, name, roles, organizations or "
	 "attribute:NAME to the backend in header NAME"},
	{"KeygateAppJWT", 1, 1, set_app_jwt, "On|Off",
	 "send the backend a gateway-signed RS256 identity token for apps in "
	 "Authorization (needs KeygateAppJWTKey)"},
	{"KeygateBearerCheck", 1, 1, set_bearer_check, "On|Off",
	 "Off: keygate does not read Authorization (Basic or Bearer); it "
	 "reaches the backend untouched, which checks it (Domino model "
	 "endpoints)"},
	{NULL, 0, 0, NULL, NULL, NULL},
};
