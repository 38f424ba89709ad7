/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the admin JSON API: routing, CSRF checks, JSON answers.
 */
#include "gateway/flow/admin/api.h"
#include "gateway/flow/admin/admin.h"
#include "gateway/flow/core/origin.h"
#include "gateway/base/str.h"
#include "sessions/ids.h"
#include "sessions/revocation.h"

#include <string.h>

/* Answers status with {"error":TOKEN,"error_description":TEXT}. */
static void json_error(kg_req *req, kg_resp *resp, int status,
		       const char *token, const char *text)
{
	kg_buf b;

	kg_buf_init(&b, req->pool, 128);
	kg_buf_adds(&b, "{\"error\":");
	kg_buf_add_json_string(&b, token);
	kg_buf_adds(&b, ",\"error_description\":");
	kg_buf_add_json_string(&b, text ? text : "");
	kg_buf_adds(&b, "}\n");
	kg_resp_reply(resp, status, "application/json", b.data);
}

/* Logs a refused admin call and answers it. */
static void refuse(kg_req *req, const kg_log *log, kg_resp *resp, int status,
		   const char *token, const char *text)
{
	kg_log_emit(log, KG_LOG_WARN, "KG-0725",
		    "admin api refused method=%s reason=%s", req->method,
		    token);
	json_error(req, resp, status, token, text);
}

/* Answers an action's failure rc with its reason. */
static void fail(kg_req *req, const kg_log *log, kg_resp *resp, kg_rc rc,
		 const kg_err *err)
{
	if (rc == KG_EBACKEND) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0726",
			    "admin api: redis unavailable: %s", err->msg);
		json_error(req, resp, 503, "cache_unavailable", err->msg);
	} else if (rc == KG_ENOTFOUND) {
		json_error(req, resp, 404, "not_found", err->msg);
	} else {
		json_error(req, resp, 400, "invalid_request", err->msg);
	}
}

/* The CSRF rules of api.h for a state-changing call. */
static const char *csrf_problem(kg_gateway *gw, const kg_req *req)
{
	const char *origin = kg_req_header(req, "Origin");
	const char *site = kg_req_header(req, "Sec-Fetch-Site");
	const char *type = kg_req_header(req, "Content-Type");

	if (origin && strcmp(origin, kg_origin(gw, req)) != 0)
		return "csrf_origin";
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none"))
		return "csrf_fetch_site";
	if (strcmp(req->method, "POST") == 0 &&
	    (type == NULL || strncasecmp(type, "application/json", 16) != 0 ||
	     (type[16] != '\0' && type[16] != ';')))
		return "csrf_content_type";
	return NULL;
}

/* Appends one session as a JSON object; never the cookie or full id. */
static void add_session(kg_buf *b, const kg_sess_entry *e)
{
	const kg_sess_record *r = e->rec;

	kg_buf_addf(b, "{\"id\":\"%.8s\"", e->id);
	if (r) {
		kg_buf_adds(b, ",\"user\":");
		kg_buf_add_json_string(b, r->user->username ? r->user->username
							    : "");
		kg_buf_adds(b, ",\"idp\":");
		kg_buf_add_json_string(b, r->idp ? r->idp : "");
		kg_buf_addf(b,
			    ",\"flow\":\"%s\",\"created\":%lld,"
			    "\"lastAccess\":%lld,\"expires\":%lld,"
			    "\"aws\":%s",
			    kg_conf_flow_name(r->flow), r->auth_ms / 1000,
			    r->last_access_ms / 1000,
			    kg_sess_record_deadline(r) / 1000,
			    r->state.sts_credentials ? "true" : "false");
	}
	kg_buf_addc(b, '}');
}

/* ,"sessions":[...] of user (NULL: everyone). */
static kg_rc add_sessions(kg_gateway *gw, kg_req *req, kg_buf *b,
			  const char *user, kg_err *err)
{
	apr_array_header_t *list;
	kg_rc rc = kg_sess_admin_list(gw->store, req->pool, user,
				      kg_state_now_ms(), &list, err);

	if (rc != KG_OK)
		return rc;
	kg_buf_adds(b, "\"sessions\":[");
	for (int i = 0; i < list->nelts; i++) {
		if (i)
			kg_buf_addc(b, ',');
		add_session(b, &APR_ARRAY_IDX(list, i, kg_sess_entry));
	}
	kg_buf_addc(b, ']');
	return KG_OK;
}

/* GET users/USER and the answer of a (de)activation. */
static void user_json(kg_gateway *gw, kg_req *req, const kg_log *log,
		      kg_resp *resp, const char *user, int ended)
{
	kg_buf b;
	kg_err err = {0};
	bool active = true;
	kg_rc rc = kg_sess_user_is_active(gw->store, req->pool, user, &active,
					  &err);

	kg_sess_id_user *u = NULL;

	if (rc == KG_OK) {
		rc = kg_sess_id_show(gw->store, req->pool, user, &u, &err);
		if (rc == KG_ENOTFOUND) {
			u = NULL;
			rc = KG_OK;
		}
	}
	kg_buf_init(&b, req->pool, 512);
	kg_buf_adds(&b, "{\"username\":");
	kg_buf_add_json_string(&b, user);
	/* the stable id (the app token's sub and idp_id), null before the
	 * user's first login */
	kg_buf_adds(&b, ",\"id\":");
	if (u && u->id)
		kg_buf_add_json_string(&b, u->id);
	else
		kg_buf_adds(&b, "null");
	kg_buf_addf(&b, ",\"active\":%s,", active ? "true" : "false");
	if (ended >= 0)
		kg_buf_addf(&b, "\"sessionsEnded\":%d,", ended);
	if (rc == KG_OK)
		rc = add_sessions(gw, req, &b, user, &err);
	if (rc != KG_OK) {
		fail(req, log, resp, rc, &err);
		return;
	}
	kg_buf_adds(&b, "}\n");
	kg_resp_reply(resp, 200, "application/json", b.data);
}

/* users/USER[/ACTION] */
static void users(kg_gateway *gw, kg_req *req, const char *rest,
		  const kg_admin_who *who, const kg_log *log, kg_resp *resp)
{
	const char *slash = strchr(rest, '/');
	const char *action = slash ? slash + 1 : NULL;
	const char *user = kg_str_url_decode(
		req->pool, rest, slash ? (size_t)(slash - rest) : strlen(rest));
	bool post = strcmp(req->method, "POST") == 0;
	kg_err err = {0};
	int ended = 0;
	kg_rc rc;

	if (user == NULL || !kg_admin_username_ok(user)) {
		json_error(req, resp, 400, "invalid_request", "not a username");
		return;
	}
	if (action == NULL && strcmp(req->method, "GET") == 0) {
		user_json(gw, req, log, resp, user, -1);
		return;
	}
	if (action == NULL || (strcmp(action, "deactivate") != 0 &&
			       strcmp(action, "reactivate") != 0)) {
		json_error(req, resp, 404, "not_found", "no such admin call");
		return;
	}
	if (!post) {
		apr_table_setn(resp->headers, "Allow", "POST");
		json_error(req, resp, 405, "method_not_allowed", "use POST");
		return;
	}
	rc = kg_admin_user_set_active(gw->store, gw->conf, req->pool, log, who,
				      user, action[0] == 'r', &ended, &err);
	if (rc != KG_OK) {
		fail(req, log, resp, rc, &err);
		return;
	}
	user_json(gw, req, log, resp, user, ended);
}

/* sessions[?user=] and sessions/ID */
static void sessions(kg_gateway *gw, kg_req *req, const char *rest,
		     const kg_admin_who *who, const kg_log *log, kg_resp *resp)
{
	const char *user = NULL;
	kg_err err = {0};
	kg_buf b;
	kg_rc rc;

	if (*rest == '\0' && strcmp(req->method, "GET") == 0) {
		kg_buf_init(&b, req->pool, 1024);
		kg_buf_addc(&b, '{');
		rc = add_sessions(gw, req, &b, kg_req_param(req, "user"), &err);
		if (rc != KG_OK) {
			fail(req, log, resp, rc, &err);
			return;
		}
		kg_buf_adds(&b, "}\n");
		kg_resp_reply(resp, 200, "application/json", b.data);
		return;
	}
	if (*rest != '/' || strcmp(req->method, "DELETE") != 0) {
		apr_table_setn(resp->headers, "Allow", "DELETE");
		json_error(req, resp, *rest == '/' ? 405 : 404,
			   *rest == '/' ? "method_not_allowed" : "not_found",
			   "DELETE admin/sessions/ID ends a session");
		return;
	}
	rc = kg_admin_session_kill(gw->store, gw->conf, req->pool, log, who,
				   rest + 1, &user, &err);
	if (rc != KG_OK) {
		fail(req, log, resp, rc, &err);
		return;
	}
	kg_buf_init(&b, req->pool, 128);
	kg_buf_addf(&b, "{\"killed\":1,\"id\":\"%.8s\",\"user\":", rest + 1);
	kg_buf_add_json_string(&b, user);
	kg_buf_adds(&b, "}\n");
	kg_resp_reply(resp, 200, "application/json", b.data);
}

void kg_admin_api(kg_gateway *gw, kg_req *req, const char *sub,
		  const char *actor, const kg_log *log, kg_resp *resp)
{
	kg_admin_who who = {actor, "api"};
	bool changes = strcmp(req->method, "GET") != 0 &&
		       strcmp(req->method, "HEAD") != 0;
	const char *problem = changes ? csrf_problem(gw, req) : NULL;

	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	apr_table_setn(resp->headers, "X-Content-Type-Options", "nosniff");
	if (problem) {
		refuse(req, log, resp, 403, problem,
		       "a state-changing admin call must be a same-origin "
		       "POST or DELETE with a JSON content type");
		return;
	}
	if (strncmp(sub, "users/", 6) == 0)
		users(gw, req, sub + 6, &who, log, resp);
	else if (strncmp(sub, "sessions", 8) == 0)
		sessions(gw, req, sub + 8, &who, log, resp);
	else
		json_error(req, resp, 404, "not_found", "no such admin call");
}
