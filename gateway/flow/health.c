/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: liveness, health and readiness.
 *
 * Ready means this process can serve what it is configured for: Redis
 * answers (sessions live there), and every login provider can be sent a
 * browser. A provider whose metadata refresh fails keeps its last good
 * metadata and stays ready (reported as such); a mapper file whose new
 * version does not compile keeps the last good one (reported as stale).
 * JWKS are fetched on demand, so they are reported, never required.
 */
#include "gateway/flow/health.h"
#include "gateway/base/metrics.h"
#include "gateway/flow/process/mappers_live.h"

#include <apr_strings.h>
#include <string.h>

void kg_health_live(kg_gateway *gw, kg_req *req, const char *alias,
		    const kg_log *log, kg_resp *resp)
{
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_reply(resp, 200, "text/plain", "ok\n");
}

void kg_health_redis(kg_gateway *gw, kg_req *req, const char *alias,
		     const kg_log *log, kg_resp *resp)
{
	kg_err err = {0};
	kg_rc rc = kg_sess_store_ping(gw->store, req->pool, &err);

	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	if (rc == KG_OK) {
		kg_resp_reply(resp, 200, "text/plain", "ok\n");
		return;
	}
	kg_log_emit(log, KG_LOG_WARN, "KG-0406",
		    "health: redis unreachable: %s", err.msg);
	kg_resp_fail(resp, KG_EBACKEND, "cache_unavailable");
}

/* ,"loadedAt":N when gauge g of the named slot was ever set. */
static void add_loaded_at(kg_buf *b, kg_gauge g, const char *name,
			  const char *protocol)
{
	long long at;

	if (kg_metrics_gauge_get(g, kg_metrics_slot(name, protocol), &at))
		kg_buf_addf(b, ",\"loadedAt\":%lld", at);
}

static void add_error(kg_buf *b, const kg_err *err)
{
	kg_buf_adds(b, ",\"error\":");
	kg_buf_add_json_string(b, err->msg);
}

/* "redis":{...}; false when Redis does not answer. */
static bool add_redis(kg_gateway *gw, kg_req *req, const kg_log *log, kg_buf *b)
{
	kg_err err = {0};
	bool ok = kg_sess_store_ping(gw->store, req->pool, &err) == KG_OK;

	kg_buf_addf(b, "\"redis\":{\"ok\":%s", ok ? "true" : "false");
	if (!ok) {
		add_error(b, &err);
		kg_log_emit(log, KG_LOG_WARN, "KG-0406",
			    "health: redis unreachable: %s", err.msg);
	}
	kg_buf_adds(b, "}");
	return ok;
}

/* ,"mappers":{...}: the generation in use; never makes it unready (the
 * gateway does not start without one). */
static void add_mappers(kg_gateway *gw, kg_req *req, kg_buf *b)
{
	long long at;

	if (gw->mappers == NULL) {
		kg_buf_adds(b,
			    ",\"mappers\":{\"ok\":true,\"configured\":false}");
		return;
	}
	kg_buf_adds(b, ",\"mappers\":{\"ok\":true,\"configured\":true,"
		       "\"generation\":");
	kg_buf_add_json_string(
		b, kg_mappers_live_current_name(gw->mappers, req->pool));
	kg_buf_addf(b, ",\"stale\":%s",
		    kg_mappers_live_stale(gw->mappers) ? "true" : "false");
	if (kg_metrics_gauge_get(KG_G_MAPPERS_AT, 0, &at))
		kg_buf_addf(b, ",\"loadedAt\":%lld", at);
	kg_buf_adds(b, "}");
}

/* The SAML providers' entries; their metadata is read at start, so
 * they are ready once the gateway is open. */
static void add_saml(kg_gateway *gw, kg_buf *b, bool *first)
{
	const apr_array_header_t *idps = gw->conf->saml.idps;

	for (int i = 0; idps && gw->saml && i < idps->nelts; i++) {
		const kg_conf_saml_idp *idp =
			&APR_ARRAY_IDX(idps, i, kg_conf_saml_idp);
		bool ok = APR_ARRAY_IDX(gw->saml, i, kg_saml *) != NULL;

		kg_buf_adds(b, *first ? "" : ",");
		*first = false;
		kg_buf_adds(b, "{\"alias\":");
		kg_buf_add_json_string(b, idp->alias);
		kg_buf_addf(b,
			    ",\"protocol\":\"saml\",\"ok\":%s,\"metadata\":{"
			    "\"ok\":%s,\"refreshed\":%s",
			    ok ? "true" : "false", ok ? "true" : "false",
			    idp->metadata_url ? "true" : "false");
		add_loaded_at(b, KG_G_METADATA_AT, idp->alias, "saml");
		kg_buf_adds(b, "}}");
	}
}

/* One entry per OIDC provider. False when there are OIDC providers and
 * none has its discovery document at hand (no browser can be sent to
 * any); one provider down is reported, not a reason to leave service. */
static bool add_oidc(kg_gateway *gw, kg_req *req, kg_buf *b, bool *first)
{
	const apr_array_header_t *all = gw->conf->oidc.providers;
	bool any = false;

	for (int i = 0; all && i < all->nelts; i++) {
		const kg_conf_oidc *c = APR_ARRAY_IDX(all, i, kg_conf_oidc *);
		kg_oidc *o = kg_state_oidc(gw, c->alias, NULL);
		kg_err err = {0};
		bool ok = o && kg_oidc_ready(o, req->pool, kg_state_now_ms(),
					     &err) == KG_OK;

		any |= ok;
		kg_buf_adds(b, *first ? "" : ",");
		*first = false;
		kg_buf_adds(b, "{\"alias\":");
		kg_buf_add_json_string(b, c->alias ? c->alias : c->issuer);
		kg_buf_adds(b, ",\"protocol\":\"oidc\",\"issuer\":");
		kg_buf_add_json_string(b, c->issuer);
		kg_buf_addf(b, ",\"ok\":%s,\"metadata\":{\"ok\":%s",
			    ok ? "true" : "false", ok ? "true" : "false");
		add_loaded_at(b, KG_G_METADATA_AT, c->issuer, "oidc");
		if (!ok)
			add_error(b, &err);
		kg_buf_adds(b, "}}");
	}
	return any || all == NULL || all->nelts == 0;
}

/* ,"jwks":[...]: every JWKS this gateway has fetched, with when. */
static void add_jwks(kg_buf *b)
{
	bool first = true;

	kg_buf_adds(b, ",\"jwks\":[");
	for (int s = 1; s < KG_METRICS_SLOTS; s++) {
		const char *protocol, *uri = kg_metrics_slot_name(s, &protocol);
		long long at;
		if (uri == NULL || strcmp(protocol, "jwt") != 0 ||
		    !kg_metrics_gauge_get(KG_G_JWKS_AT, s, &at))
			continue;
		kg_buf_adds(b, first ? "{\"uri\":" : ",{\"uri\":");
		first = false;
		kg_buf_add_json_string(b, uri);
		kg_buf_addf(b, ",\"ok\":true,\"loadedAt\":%lld}", at);
	}
	kg_buf_adds(b, "]");
}

void kg_health_ready(kg_gateway *gw, kg_req *req, const char *alias,
		     const kg_log *log, kg_resp *resp)
{
	kg_buf b, checks;
	bool ready, first = true;

	kg_buf_init(&checks, req->pool, 1024);
	ready = add_redis(gw, req, log, &checks);
	add_mappers(gw, req, &checks);
	kg_buf_adds(&checks, ",\"providers\":[");
	add_saml(gw, &checks, &first);
	ready &= add_oidc(gw, req, &checks, &first);
	kg_buf_adds(&checks, "]");
	add_jwks(&checks);
	kg_buf_init(&b, req->pool, checks.len + 64);
	kg_buf_addf(&b, "{\"ready\":%s,\"checks\":{%s}}\n",
		    ready ? "true" : "false", checks.data);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_reply(resp, ready ? 200 : 503, "application/json", b.data);
}
