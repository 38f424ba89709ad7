/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway's life cycle: checks at config time, state at
 * child start.
 */
#include "gateway/flow/gateway.h"
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/core/page.h"
#include "gateway/flow/authn/oidc_refresh.h"
#include "gateway/flow/aws/aws.h"
#include "gateway/flow/login/login.h"
#include "gateway/flow/reaper.h"
#include "gateway/proto/saml/metadata.h"
#include "gateway/proto/aws/http.h"
#include "gateway/base/metrics.h"

#include "conf/checks.h"
#include "conf/read.h"
#include "conf/saml_urls.h"
#include "sessions/tls.h"

#include <apr_strings.h>
#include <string.h>
#include <time.h>

void kg_gateway_set_metrics(kg_gateway *gw, void *metrics)
{
	gw->metrics = metrics;
	kg_metrics_use(metrics);
}

kg_rc kg_gateway_start_background(kg_gateway *gw, apr_pool_t *pool, kg_err *err)
{
	kg_rc rc = kg_aws_background_start(gw, pool, err);

	if (rc != KG_OK)
		return rc;
	return kg_reaper_start(gw, pool, err);
}

struct kg_gateway_keys {
	kg_app_signer *app_signer;
	const char *saml_key_pem;	   /* KeygateSAMLSPKey's text */
	const char *saml_cert_pem;	   /* KeygateSAMLSPCert's text */
	apr_array_header_t *saml_metadata; /* const char *: each provider's
					      IdP metadata, in conf order */
	apr_array_header_t *saml_pinned;   /* const char *: the pinned
					      certificate of each provider's
					      refresh, or NULL */
	const char *state_dir;		   /* kg_gateway_state's dir, or NULL */
};

/* The SP of provider i: its URLs (kg_conf_saml_urls_for), its keys and
 * the IdP's metadata. */
static void saml_sp(apr_pool_t *pool, const kg_conf *conf,
		    const kg_gateway_keys *keys, int i, kg_saml_sp *sp)
{
	const kg_conf_saml_idp *idp =
		&APR_ARRAY_IDX(conf->saml.idps, i, kg_conf_saml_idp);
	kg_conf_saml_urls urls;

	kg_conf_saml_urls_for(pool, conf, idp->alias, &urls);
	sp->alias = idp->alias;
	sp->entity_id = urls.entity_id;
	sp->acs_url = urls.acs;
	sp->slo_url = urls.slo;
	sp->idp_metadata = APR_ARRAY_IDX(keys->saml_metadata, i, const char *);
	sp->sp_key_pem = keys->saml_key_pem;
	sp->sp_cert_pem = keys->saml_cert_pem;
}

/* Reads the SAML key, certificate and IdP metadata (as root, at config
 * time). lasso itself is first used in the children (kg_gateway_open):
 * httpd unloads and reloads the module between its two config passes,
 * and lasso's GObject types cannot be registered twice in one process. */
static kg_rc load_saml(apr_pool_t *pconf, const kg_conf *conf,
		       kg_gateway_keys *keys, kg_err *err)
{
	const kg_conf_saml *c = &conf->saml;
	kg_err why = {0};
	size_t len;
	kg_rc rc;

	if (c->sp_key == NULL || c->sp_cert == NULL)
		return kg_conf_fail(
			conf, err, "KeygateSAMLProvider",
			"KeygateSAMLProvider needs KeygateSAMLSPKey "
			"and KeygateSAMLSPCert");
	/* the entity ID names the SP to every IdP: it never follows a
	 * request's host */
	if (conf->gateway.base_url == NULL && c->entity_id == NULL)
		return kg_conf_fail(conf, err, "KeygateSAMLProvider",
				    "KeygateSAMLProvider needs KeygateBaseURL "
				    "or, with each request's own origin, "
				    "KeygateSAMLEntityID");
	rc = kg_conf_read_file(pconf, c->sp_key, 1 << 16, &keys->saml_key_pem,
			       &len, err);
	if (rc != KG_OK)
		return kg_conf_locate(conf, err, "KeygateSAMLSPKey", rc);
	rc = kg_conf_read_file(pconf, c->sp_cert, 1 << 16, &keys->saml_cert_pem,
			       &len, err);
	if (rc != KG_OK)
		return kg_conf_locate(conf, err, "KeygateSAMLSPCert", rc);
	/* a key that is not the certificate's stops the start (and `keygate
	 * saml metadata`): the IdP would trust a key keygate does not hold */
	if (kg_saml_sp_keys_check(keys->saml_key_pem, keys->saml_cert_pem,
				  &why) != KG_OK)
		return kg_conf_fail(
			conf, err, "KeygateSAMLSPKey",
			"KeygateSAMLSPKey %s does not match "
			"KeygateSAMLSPCert %s%s: %s",
			c->sp_key, c->sp_cert,
			kg_conf_where(conf, "KeygateSAMLSPCert")
				? kg_psprintf(
					  pconf, " (at %s)",
					  kg_conf_where(conf,
							"KeygateSAMLSPCert"))
				: "",
			why.msg);
	keys->saml_metadata =
		apr_array_make(pconf, c->idps->nelts, sizeof(const char *));
	keys->saml_pinned =
		apr_array_make(pconf, c->idps->nelts, sizeof(const char *));
	for (int i = 0; i < c->idps->nelts; i++) {
		const kg_conf_saml_idp *idp =
			&APR_ARRAY_IDX(c->idps, i, kg_conf_saml_idp);
		const char *text, *pinned = NULL;
		rc = kg_conf_read_file(pconf, idp->metadata_file, 1 << 22,
				       &text, &len, err);
		if (rc == KG_OK)
			rc = kg_saml_metadata_check(pconf, idp->metadata_file,
						    text, len, err);
		if (rc == KG_OK && idp->metadata_cert)
			rc = kg_conf_read_file(pconf, idp->metadata_cert,
					       1 << 16, &pinned, &len, err);
		if (rc != KG_OK)
			return kg_conf_locate(
				conf, err,
				idp->metadata_cert
					? "KeygateSAMLMetadataRefresh"
					: "KeygateSAMLProvider",
				rc);
		if (pinned && !strstr(pinned, "-----BEGIN CERTIFICATE-----"))
			return kg_conf_fail(conf, err,
					    "KeygateSAMLMetadataRefresh",
					    "KeygateSAMLMetadataRefresh %s: %s "
					    "holds no PEM certificate",
					    idp->alias, idp->metadata_cert);
		APR_ARRAY_PUSH(keys->saml_metadata, const char *) = text;
		APR_ARRAY_PUSH(keys->saml_pinned, const char *) = pinned;
	}
	return KG_OK;
}

kg_rc kg_gateway_saml_metadata(apr_pool_t *pool, const kg_conf *conf,
			       const char *alias, const char **xml, kg_err *err)
{
	kg_gateway_keys keys = {0};
	kg_saml *saml;
	kg_saml_sp sp;
	kg_rc rc;

	if (conf->gateway.base_url == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "the SP metadata needs KeygateBaseURL; "
				  "without it each gateway host serves its "
				  "own at PREFIX saml/ALIAS/metadata");
	for (int i = 0; i < conf->saml.idps->nelts; i++) {
		if (strcmp(APR_ARRAY_IDX(conf->saml.idps, i, kg_conf_saml_idp)
				   .alias,
			   alias) != 0)
			continue;
		if ((rc = load_saml(pool, conf, &keys, err)) != KG_OK)
			return rc;
		saml_sp(pool, conf, &keys, i, &sp);
		if ((rc = kg_saml_open(pool, &conf->saml, &sp, &saml, err)) !=
		    KG_OK)
			return rc;
		*xml = kg_saml_metadata(saml, pool, NULL);
		return KG_OK;
	}
	return kg_err_set(err, KG_ENOTFOUND,
			  "no KeygateSAMLProvider has alias \"%s\"", alias);
}

/* The app-token keys and their certificates (proto/jose/app.h). */
static kg_rc load_app_signer(apr_pool_t *pconf, const kg_conf *conf,
			     kg_app_signer **signer, kg_err *err)
{
	if (conf->gateway.app_jwt_issuer == NULL &&
	    conf->gateway.base_url == NULL)
		return kg_conf_fail(
			conf, err, "KeygateAppJWTKey",
			"KeygateAppJWTKey needs KeygateAppJWTIssuer "
			"or KeygateBaseURL");
	return kg_conf_locate(
		conf, err, "KeygateAppJWTKey",
		kg_app_signer_open(pconf, conf->gateway.app_jwt_keys,
				   conf->gateway.app_jwt_cert, signer, err));
}

/* Warns (KG-0560, FILE:LINE:COL of its first mapper) about each alias
 * of the mapper file that names no configured provider: its mappers
 * never run. "bearer" is the alias of other issuers' bearer tokens. */
static void warn_unknown_aliases(apr_pool_t *ptemp, const kg_conf *conf,
				 const kg_log *log)
{
	kg_mapper_set *set = NULL;
	apr_hash_t *seen = apr_hash_make(ptemp);
	kg_err err = {0};

	if (kg_mapper_file_load(ptemp, conf->mapping.mapper_file, &set, NULL,
				&err) != KG_OK)
		return; /* kg_mappers_publish reported it */
	for (size_t i = 0; i < set->nmappers; i++) {
		const kg_mapper *m = &set->mappers[i];
		if (strcmp(m->alias, "bearer") == 0 ||
		    kg_conf_provider_find(conf, m->alias) ||
		    apr_hash_get(seen, m->alias, APR_HASH_KEY_STRING))
			continue;
		apr_hash_set(seen, m->alias, APR_HASH_KEY_STRING, "");
		kg_log_emit(log, KG_LOG_WARN, "KG-0560",
			    "mapper alias names no provider at=%s:%d:%d "
			    "alias=%s (no KeygateSAMLProvider or "
			    "KeygateOIDCProvider has it, so its mappers never "
			    "run)",
			    set->path, m->line, m->col, m->alias);
	}
}

/* Warns (KG-0450, at the provider's FILE:LINE) about each provider whose
 * sign-in button reads the same as one before it on the page: a person
 * cannot tell the two apart. */
static void warn_same_buttons(const kg_conf *conf, const kg_log *log)
{
	size_t n = 0;
	const kg_conf_provider *p = kg_conf_providers(conf, &n);

	for (size_t i = 1; i < n; i++) {
		const char *text = kg_login_button_text(&p[i]);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(text, kg_login_button_text(&p[j])) != 0)
				continue;
			kg_log_emit(log, KG_LOG_WARN, "KG-0450",
				    "sign-in buttons read the same at=%s:%d "
				    "alias=%s other=%s text=%s (give one a "
				    "KeygateProviderDisplay text)",
				    p[i].file ? p[i].file : "-", p[i].line,
				    p[i].alias, p[j].alias, text);
			break;
		}
	}
}

kg_rc kg_gateway_check(apr_pool_t *pconf, apr_pool_t *ptemp, kg_conf *conf,
		       const kg_log *log, const kg_gateway_state *state,
		       kg_gateway_keys **keys, kg_err *err)
{
	kg_mappers_share share = {.secret = &conf->sessions.secret};
	kg_sess_tls *tls = NULL;
	kg_rc rc = kg_conf_finish(conf, err);

	if (rc != KG_OK)
		return rc;
	if (conf->sessions.secret.bytes == NULL)
		return kg_conf_fail(conf, err, NULL,
				    "KeygateSessionSecret is required");
	/* a CA, certificate or key that cannot be used stops the start */
	if (kg_conf_sessions_uses_tls(&conf->sessions) &&
	    (rc = kg_sess_tls_make(ptemp, &conf->sessions, &tls, err)) != KG_OK)
		return rc;
	for (int i = 0; i < conf->oidc.providers->nelts; i++) {
		const kg_conf_oidc *p =
			APR_ARRAY_IDX(conf->oidc.providers, i, kg_conf_oidc *);
		const kg_conf_provider *at =
			kg_conf_provider_find(conf, p->alias);
		if (p->client_id == NULL)
			return kg_err_set(
				err, KG_ECONFIG,
				"%s:%d: KeygateOIDCProvider %s needs "
				"KeygateOIDCClientID (below it, or above "
				"every KeygateOIDCProvider for all)",
				at && at->file ? at->file : "-",
				at ? at->line : 0, p->alias);
	}
	if (conf->aws.enabled)
		kg_aws_http_global_init(); /* before any thread starts */
	*keys = apr_pcalloc(pconf, sizeof(**keys));
	if (conf->gateway.app_jwt_key) {
		if ((rc = load_app_signer(pconf, conf, &(*keys)->app_signer,
					  err)) != KG_OK)
			return rc;
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0705", "app-token keys %s",
			    kg_app_signer_summary((*keys)->app_signer, ptemp,
						  kg_state_now_ms() / 1000));
	}
	if (conf->saml.idps->nelts > 0 &&
	    (rc = load_saml(pconf, conf, *keys, err)) != KG_OK)
		return rc;
	if (conf->mapping.mapper_file == NULL)
		return KG_OK;
	if (state && state->dir)
		share.dir = (*keys)->state_dir = apr_pstrdup(pconf, state->dir);
	rc = kg_conf_locate(
		conf, err, "KeygateMappers",
		kg_mappers_publish(ptemp, conf->mapping.mapper_file, &share,
				   state ? state->uid : (uid_t)-1,
				   state ? state->gid : (gid_t)-1, log, err));
	if (rc == KG_OK) {
		warn_unknown_aliases(ptemp, conf, log);
		warn_same_buttons(conf, log);
	}
	return rc;
}

kg_rc kg_gateway_open(apr_pool_t *pool, const kg_conf *conf,
		      const kg_gateway_keys *keys, const kg_log *log,
		      kg_gateway **out, kg_err *err)
{
	kg_gateway *gw = apr_pcalloc(pool, sizeof(*gw));
	kg_rc rc;

	gw->pool = pool;
	gw->conf = conf;
	gw->log = *log;
	gw->bearer_users = kg_bearer_users_make(
		pool, (size_t)conf->oidc.bearer_cache_size,
		conf->gateway.revocation_interval_s * 1000);
	kg_pol_timeouts_from_conf(&conf->sessions, &gw->timeouts);
	rc = kg_sess_store_open(pool, &conf->sessions, &gw->log, &gw->store,
				err);
	if (rc == KG_OK)
		rc = kg_sess_store_follow_start(gw->store, pool, err);
	if (rc == KG_OK && conf->sessions.cache_slots > 0)
		rc = kg_sess_store_cache_start(
			gw->store, pool, (size_t)conf->sessions.cache_slots,
			err);
	if (rc == KG_OK && conf->mapping.mapper_file) {
		kg_mappers_share share = {.dir = keys ? keys->state_dir : NULL,
					  .secret = &conf->sessions.secret};
		rc = kg_mappers_live_open(pool, conf->mapping.mapper_file,
					  conf->gateway.reload_interval_s,
					  &share, &gw->log, &gw->mappers, err);
	}
	gw->app_signer = keys ? keys->app_signer : NULL;
	if (conf->oidc.providers->nelts > 0)
		gw->oidc = apr_array_make(pool, conf->oidc.providers->nelts,
					  sizeof(kg_oidc *));
	for (int i = 0; rc == KG_OK && i < conf->oidc.providers->nelts; i++) {
		kg_oidc *o = NULL;
		rc = kg_oidc_open(
			pool,
			APR_ARRAY_IDX(conf->oidc.providers, i, kg_conf_oidc *),
			&gw->log, &o, err);
		APR_ARRAY_PUSH(gw->oidc, kg_oidc *) = o;
	}
	if (rc == KG_OK && keys && keys->saml_metadata) {
		gw->saml = apr_array_make(pool, conf->saml.idps->nelts,
					  sizeof(kg_saml *));
		gw->saml_refresh =
			apr_array_make(pool, conf->saml.idps->nelts,
				       sizeof(kg_metadata_refresh *));
		for (int i = 0; rc == KG_OK && i < conf->saml.idps->nelts;
		     i++) {
			const char *pinned = APR_ARRAY_IDX(keys->saml_pinned, i,
							   const char *);
			kg_saml_sp sp;
			kg_saml *saml = NULL;
			saml_sp(pool, conf, keys, i, &sp);
			rc = kg_saml_open(pool, &conf->saml, &sp, &saml, err);
			APR_ARRAY_PUSH(gw->saml, kg_saml *) = saml;
			if (rc == KG_OK) /* read at start, by the parent */
				kg_metrics_gauge(
					KG_G_METADATA_AT,
					kg_metrics_slot(
						APR_ARRAY_IDX(conf->saml.idps,
							      i,
							      kg_conf_saml_idp)
							.alias,
						"saml"),
					(long long)time(NULL));
			APR_ARRAY_PUSH(gw->saml_refresh,
				       kg_metadata_refresh *) =
				rc == KG_OK && pinned
					? kg_metadata_refresh_make(
						  pool, saml,
						  &APR_ARRAY_IDX(
							  conf->saml.idps, i,
							  kg_conf_saml_idp),
						  pinned)
					: NULL;
		}
	}
	if (rc == KG_OK && conf->oidc.bearer_issuers->nelts > 0)
		rc = kg_oidc_bearer_open(pool, &conf->oidc, &gw->log, &gw->jwt,
					 err);
	gw->jobs[gw->njobs++] = &kg_authn_oidc_refresh_job;
	gw->jobs[gw->njobs++] = &kg_aws_refresh_job;
	if (rc == KG_OK)
		*out = gw;
	return rc;
}

void kg_gateway_authenticate(kg_gateway *gw, const kg_conf_location *loc,
			     kg_req *req, const kg_log *log, kg_resp *resp,
			     kg_caller *caller)
{
	kg_authn_request(gw, loc, req, log, resp, caller);
	kg_page_fail(gw, req, log, resp);
}
