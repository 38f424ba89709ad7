/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the admin JSON API: routing, CSRF checks, JSON answers.
 */
#include "gateway/flow/admin/api.h"
#include "gateway/flow/admin/admin.h"
#include "gateway/flow/core/origin.h"
#include "gateway/base/str.h"
#include "sessions/ids.h"
#include "sessions/revocation.h"

#include <stdlib.h>
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

/* The user an admin call at sub is about, for the audit line: USER of
 * users/USER..., the user= of sessions?user=USER, else "-". */
static const char *call_target(kg_req *req, const char *sub)
{
	const char *user = NULL;

	if (strncmp(sub, "users/", 6) == 0) {
		const char *end = strchr(sub + 6, '/');
		user = kg_str_url_decode(req->pool, sub + 6,
					 end ? (size_t)(end - sub - 6)
					     : strlen(sub + 6));
	} else if (strncmp(sub, "sessions", 8) == 0) {
		user = kg_req_param(req, "user");
	}
	user = user ? kg_admin_username(req->pool, user) : NULL;
	return user ? user : "-";
}

/* Logs a refused admin call as an audit event (the caller was signed
 * in and allowed to the location: who tried what matters) and answers
 * it. */
static void refuse(kg_req *req, const kg_log *log, kg_resp *resp,
		   const kg_admin_who *who, const char *sub, int status,
		   const char *token, const char *text)
{
	kg_log_emit(log, KG_LOG_WARN, "KG-0725",
		    "AUDIT event=\"Admin API Refused\" actor=%s target=%s "
		    "method=%s reason=%s via=api",
		    who->actor, call_target(req, sub), req->method, token);
	json_error(req, resp, status, token, text);
}

/* The audit line of an answered read: call is "user" or "sessions",
 * target the user it is about ("-": everyone's sessions). */
static void audit_read(const kg_log *log, const kg_admin_who *who,
		       const char *call, const char *target, int count)
{
	kg_log_emit(log, KG_LOG_NOTICE, "KG-0750",
		    "AUDIT event=\"Admin API Read\" actor=%s target=%s "
		    "call=%s sessions=%d via=api",
		    who->actor, target ? target : "-", call, count);
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

/* A page of the live sessions of user (NULL: everyone): at most limit
 * (<= 0: all) from the offset-th on, soonest deadline first. */
typedef struct {
	long long offset, limit;
} page;

/* "sessions":[...] of user for the page p; *count: how many. */
static kg_rc add_sessions(kg_gateway *gw, kg_req *req, kg_buf *b,
			  const char *user, page p, int *count, kg_err *err)
{
	apr_array_header_t *list;
	kg_rc rc = kg_sess_admin_page(gw->store, req->pool, user,
				      kg_state_now_ms(), p.offset, p.limit,
				      &list, err);

	*count = 0;
	if (rc != KG_OK)
		return rc;
	kg_buf_adds(b, "\"sessions\":[");
	for (int i = 0; i < list->nelts; i++) {
		if (i)
			kg_buf_addc(b, ',');
		add_session(b, &APR_ARRAY_IDX(list, i, kg_sess_entry));
	}
	kg_buf_addc(b, ']');
	*count = list->nelts;
	return KG_OK;
}

/* The page that ?limit=N&offset=N ask for (default: the first 1000, as
 * `keygate sessions list`; limit=0: all). False when a value is not a
 * whole number of at most 9 digits. */
static bool page_of(const kg_req *req, page *p)
{
	const char *names[2] = {"limit", "offset"};
	long long *slots[2] = {&p->limit, &p->offset};

	p->limit = 1000;
	p->offset = 0;
	for (int i = 0; i < 2; i++) {
		const char *v = kg_req_param(req, names[i]);
		size_t n = v ? strspn(v, "0123456789") : 0;
		if (v == NULL)
			continue;
		if (n == 0 || n > 9 || v[n] != '\0')
			return false;
		*slots[i] = atoll(v);
	}
	return true;
}

/* GET users/USER and the answer of a (de)activation (ended >= 0). */
static void user_json(kg_gateway *gw, kg_req *req, const kg_log *log,
		      const kg_admin_who *who, kg_resp *resp, const char *user,
		      int ended)
{
	kg_buf b;
	kg_err err = {0};
	bool active = true;
	int count = 0;
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
		rc = add_sessions(gw, req, &b, user, (page){0, 0}, &count,
				  &err);
	if (rc != KG_OK) {
		fail(req, log, resp, rc, &err);
		return;
	}
	kg_buf_adds(&b, "}\n");
	if (ended < 0)
		audit_read(log, who, "user", user, count);
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

	if (user == NULL ||
	    (user = kg_admin_username(req->pool, user)) == NULL) {
		json_error(req, resp, 400, "invalid_request", "not a username");
		return;
	}
	if (action == NULL && strcmp(req->method, "GET") == 0) {
		user_json(gw, req, log, who, resp, user, -1);
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
	user_json(gw, req, log, who, resp, user, ended);
}

/* GET sessions[?user=USER][&limit=N][&offset=N]: a page of the live
 * sessions, and "next" (the offset of the next page) when it is full. */
static void sessions_list(kg_gateway *gw, kg_req *req, const char *user,
			  const kg_admin_who *who, const kg_log *log,
			  kg_resp *resp)
{
	kg_err err = {0};
	int count = 0;
	page p;
	kg_buf b;
	kg_rc rc;

	if (!page_of(req, &p)) {
		json_error(req, resp, 400, "invalid_request",
			   "limit and offset take a whole number");
		return;
	}
	kg_buf_init(&b, req->pool, 1024);
	kg_buf_addc(&b, '{');
	rc = add_sessions(gw, req, &b, user, p, &count, &err);
	if (rc != KG_OK) {
		fail(req, log, resp, rc, &err);
		return;
	}
	if (p.limit > 0 && count >= p.limit)
		kg_buf_addf(&b, ",\"next\":%lld", p.offset + p.limit);
	else
		kg_buf_adds(&b, ",\"next\":null");
	kg_buf_adds(&b, "}\n");
	audit_read(log, who, "sessions", user, count);
	kg_resp_reply(resp, 200, "application/json", b.data);
}

/* DELETE sessions?user=USER: ends every session of USER, as `keygate
 * sessions kill --user` does (the user stays active); the AWS
 * credentials file goes with them. */
static void sessions_kill_user(kg_gateway *gw, kg_req *req, const char *user,
			       const kg_admin_who *who, const kg_log *log,
			       kg_resp *resp)
{
	kg_err err = {0};
	int killed = 0;
	kg_buf b;
	kg_rc rc = kg_admin_user_kill(gw->store, gw->conf, req->pool, log, who,
				      user, &killed, &err);

	if (rc != KG_OK) {
		fail(req, log, resp, rc, &err);
		return;
	}
	kg_buf_init(&b, req->pool, 128);
	kg_buf_addf(&b, "{\"killed\":%d,\"user\":", killed);
	kg_buf_add_json_string(&b, user);
	kg_buf_adds(&b, "}\n");
	kg_resp_reply(resp, 200, "application/json", b.data);
}

/* sessions[?user=], sessions?user= (DELETE) and sessions/ID (DELETE) */
static void sessions(kg_gateway *gw, kg_req *req, const char *rest,
		     const kg_admin_who *who, const kg_log *log, kg_resp *resp)
{
	const char *user = kg_req_param(req, "user");
	bool del = strcmp(req->method, "DELETE") == 0;
	kg_err err = {0};
	kg_buf b;
	kg_rc rc;

	if (user && (user = kg_admin_username(req->pool, user)) == NULL) {
		json_error(req, resp, 400, "invalid_request", "not a username");
		return;
	}
	if (*rest == '\0' && strcmp(req->method, "GET") == 0) {
		sessions_list(gw, req, user, who, log, resp);
		return;
	}
	if (*rest == '\0' && del && user) {
		sessions_kill_user(gw, req, user, who, log, resp);
		return;
	}
	if (*rest != '/' || !del) {
		apr_table_setn(resp->headers, "Allow",
			       *rest == '/' ? "DELETE" : "GET, DELETE");
		json_error(req, resp, *rest == '/' || del ? 405 : 404,
			   *rest == '/' || del ? "method_not_allowed"
					       : "not_found",
			   "DELETE admin/sessions/ID or "
			   "admin/sessions?user=USER ends sessions");
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
		refuse(req, log, resp, &who, sub, 403, problem,
		       "a state-changing admin call must be a same-origin "
		       "POST or DELETE with a JSON content type");
		return;
	}
	if (strncmp(sub, "users/", 6) == 0)
		users(gw, req, sub + 6, &who, log, resp);
	else if (strncmp(sub, "sessions", 8) == 0 &&
		 (sub[8] == '\0' || sub[8] == '/'))
		sessions(gw, req, sub + 8, &who, log, resp);
	else
		json_error(req, resp, 404, "not_found", "no such admin call");
}
