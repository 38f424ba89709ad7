/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the checks on SAML single logout messages.
 */
#include "gateway/proto/saml/slo_check.h"
#include "gateway/base/time.h"
#include "gateway/proto/saml/assertion.h"

#include <string.h>

#define STATUS_SUCCESS "urn:oasis:names:tc:SAML:2.0:status:Success"

static kg_rc refuse(const char **reason, kg_err *err, const char *token,
		    const char *why)
{
	*reason = token;
	return kg_err_set(err, KG_EINVAL, "%s", why);
}

/* An xs:dateTime in UTC as ms, or false. */
static bool ms_of(const char *s, long long *ms)
{
	long long seconds;

	if (s == NULL || !kg_time_parse(s, true, &seconds))
		return false;
	*ms = seconds * 1000;
	return true;
}

kg_rc kg_saml_logout_check(const kg_saml_logout_msg *m,
			   const char *idp_entity_id, const char *slo_url,
			   long long now_ms, long long skew_ms,
			   const char **reason, kg_err *err)
{
	long long t;

	if (m->id == NULL || *m->id == '\0')
		return refuse(reason, err, "saml_parse",
			      "the message has no ID");
	if (m->issuer == NULL || strcmp(m->issuer, idp_entity_id) != 0)
		return refuse(reason, err, "saml_issuer",
			      "the message's Issuer is not the IdP");
	/* a signed message must name where it goes (SAML bindings
	 * 3.4.5.2, 3.5.5.2) */
	if (m->destination == NULL || strcmp(m->destination, slo_url) != 0)
		return refuse(reason, err, "saml_destination",
			      "the message's Destination is not this SLO "
			      "service");
	if (!ms_of(m->issue_instant, &t) || t > now_ms + skew_ms ||
	    t + KG_SAML_SLO_MAX_AGE_MS + skew_ms < now_ms)
		return refuse(reason, err, "saml_time",
			      "IssueInstant is malformed, in the future or "
			      "too old");
	if (!m->is_request) {
		if (m->in_response_to == NULL || *m->in_response_to == '\0')
			return refuse(reason, err, "saml_inresponseto",
				      "the LogoutResponse answers no request");
		if (m->status == NULL)
			return refuse(reason, err, "saml_parse",
				      "the LogoutResponse has no status");
		return KG_OK;
	}
	if (m->not_on_or_after &&
	    (!ms_of(m->not_on_or_after, &t) || now_ms >= t + skew_ms))
		return refuse(reason, err, "saml_time",
			      "the LogoutRequest's NotOnOrAfter has passed or "
			      "is malformed");
	if (m->name_id == NULL || *m->name_id == '\0')
		return refuse(reason, err, "slo_nameid",
			      "the LogoutRequest names no NameID");
	return KG_OK;
}

bool kg_saml_logout_success(const kg_saml_logout_msg *m)
{
	return m->status && strcmp(m->status, STATUS_SUCCESS) == 0;
}

bool kg_saml_is_logout_response(apr_pool_t *pool, const char *b64)
{
	const char *xml, *p, *name, *colon;
	size_t len, n;
	kg_err err = {0};

	if (b64 == NULL || strchr(b64, '<') ||
	    kg_saml_response_decode(pool, b64, strlen(b64), &xml, &len, &err) !=
		    KG_OK)
		return false;
	/* the first element: past the XML declaration and comments */
	for (p = strchr(xml, '<'); p && (p[1] == '?' || p[1] == '!');
	     p = strchr(p + 1, '<'))
		;
	if (p == NULL)
		return false;
	name = p + 1;
	n = strcspn(name, " \t\r\n/>");
	colon = memchr(name, ':', n);
	if (colon) {
		n -= (size_t)(colon + 1 - name);
		name = colon + 1;
	}
	return n == strlen("LogoutResponse") &&
	       strncmp(name, "LogoutResponse", n) == 0;
}
