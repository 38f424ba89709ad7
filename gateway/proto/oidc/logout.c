/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the back-channel logout token (OpenID Connect Back-Channel
 * Logout 1.0 §2.4 and §2.6).
 */
#include "gateway/proto/oidc/oidc.h"
#include "gateway/proto/oidc/oidc_int.h"

#define KG_BACKCHANNEL_EVENT                                                   \
	"http://schemas.openid.net/event/backchannel-logout"

kg_rc kg_oidc_logout_token_verify(kg_oidc *o, apr_pool_t *pool,
				  const char *token, long long now_ms,
				  const char **sid, const char **sub,
				  const char **jti, kg_err *err)
{
	kg_jwt_rules rules;
	const kg_json *events, *event;
	const char *s_sid, *s_sub, *s_jti;
	kg_jwt t;
	kg_rc rc;

	kg_oidc_rules(o, false, &rules);
	rules.require_exp = false;
	rc = kg_oidc_jwt_check(o, pool, token, &rules, now_ms, &t, err);
	if (rc != KG_OK)
		return rc;
	events = kg_json_get(t.claims, "events");
	event = kg_json_get(events, KG_BACKCHANNEL_EVENT);
	s_sid = kg_json_str(t.claims, "sid");
	s_sub = kg_json_str(t.claims, "sub");
	s_jti = kg_json_str(t.claims, "jti");
	if (event == NULL || event->type != KG_JSON_OBJECT)
		return kg_err_set(err, KG_EAUTH,
				  "oidc_logout_token: no back-channel logout "
				  "event");
	if (kg_json_get(t.claims, "nonce"))
		return kg_err_set(err, KG_EAUTH,
				  "oidc_logout_token: a nonce is forbidden");
	if (s_jti == NULL)
		return kg_err_set(err, KG_EAUTH, "oidc_logout_token: no jti");
	if (s_sid == NULL && s_sub == NULL)
		return kg_err_set(err, KG_EAUTH,
				  "oidc_logout_token: neither sid nor sub");
	*sid = s_sid;
	*sub = s_sub;
	*jti = s_jti;
	return KG_OK;
}
