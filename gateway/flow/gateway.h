/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway: one per httpd child process, made at child start
 * from the settings, shared by the child's threads.
 *
 * It owns the live mapper set, the session store and the protocol
 * adapters, and answers two questions per request: is this one of
 * keygate's own endpoints (kg_gateway_endpoint), and who is calling
 * (kg_gateway_authenticate). It decides; the binding only translates.
 */
#ifndef KG_FLOW_GATEWAY_H
#define KG_FLOW_GATEWAY_H

#include "gateway/flow/core/types.h"

#include <sys/types.h>

/* Where the processes of one server keep what they share on disk (the
 * mapper file's last good copy, mappers_live.h), and who owns it. */
typedef struct {
	const char *dir; /* NULL: nothing is shared or written (a config
			    test) */
	uid_t uid;	 /* the owner of the directory and what the check */
	gid_t gid;	 /* writes there, (uid_t)-1 / (gid_t)-1: leave it */
} kg_gateway_state;

/* Checks conf as httpd's post_config does: the cross-directive rules, the
 * mapper file (every problem logged as FILE:LINE:COL) and the key files,
 * and loads the keys into *keys (in pconf, which the children inherit).
 * With state->dir, also makes the state directory and writes the mapper
 * file's last good copy there (state may be NULL). */
kg_rc kg_gateway_check(apr_pool_t *pconf, apr_pool_t *ptemp, kg_conf *conf,
		       const kg_log *log, const kg_gateway_state *state,
		       kg_gateway_keys **keys, kg_err *err);

/* Makes the gateway for conf (which must outlive pool) with the keys
 * kg_gateway_check loaded (NULL: none). *log is copied; its baton must
 * outlive pool. */
kg_rc kg_gateway_open(apr_pool_t *pool, const kg_conf *conf,
		      const kg_gateway_keys *keys, const kg_log *log,
		      kg_gateway **out, kg_err *err);

/* The SP metadata of SAML provider alias under conf, as the gateway
 * serves it (reads the SP key and certificate and the IdP metadata; in
 * pool). KG_ENOTFOUND when no KeygateSAMLProvider has that alias. */
kg_rc kg_gateway_saml_metadata(apr_pool_t *pool, const kg_conf *conf,
			       const char *alias, const char **xml,
			       kg_err *err);

/* Starts the process's background work (the AWS credentials files'
 * refresh, when configured); it stops when pool is cleared. For the
 * server's processes, after kg_gateway_open. */
kg_rc kg_gateway_start_background(kg_gateway *gw, apr_pool_t *pool,
				  kg_err *err);

/* Counts into m from now on (shared memory the binding owns; NULL: no
 * metrics). */
void kg_gateway_set_metrics(kg_gateway *gw, void *metrics);

/* Handles keygate's own endpoints under the prefix. resp->action is
 * DECLINE when the path is not one of them. log is the request's. */
void kg_gateway_endpoint(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_resp *resp);

/* The admin API call a path names: what follows PREFIX admin/, or NULL
 * when it is not one. These paths are not answered before
 * authentication: httpd authenticates and authorizes them like any
 * location (the admin writes the <Location> and its Require rule). */
const char *kg_gateway_admin_path(const kg_conf *conf, const char *path);

/* Answers an admin API call (flow/admin/api.h) by actor, the username
 * httpd authenticated and a Require rule authorized; the binding refuses
 * the call itself when that is not so. */
void kg_gateway_admin(kg_gateway *gw, kg_req *req, const char *actor,
		      const kg_log *log, kg_resp *resp);

/* Authenticates a request to a keygate location. On KG_RESP_CONTINUE,
 * *caller says who it is and resp->backend_headers holds the identity for
 * the backend; otherwise resp is the answer (a login redirect, a 401, a
 * 503 when Redis is down: never a pass). */
void kg_gateway_authenticate(kg_gateway *gw, const kg_conf_location *loc,
			     kg_req *req, const kg_log *log, kg_resp *resp,
			     kg_caller *caller);

#endif
