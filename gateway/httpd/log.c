/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: the core's log sink, writing through httpd's error log so
 * `LogLevel keygate:debug` works: key=value text (the default), or one
 * JSON object a line (KeygateLogFormat json: time, level, id, msg, and
 * client and request_id where known), written to the error log as is,
 * past ErrorLogFormat, so the lines are JSON alone. Lines whose text starts
 * with "AUDIT " go to KeygateAuditLog as well, in the same form, one write
 * each.
 */
#include "gateway/httpd/binding.h"

#include <apr_time.h>
#include <http_log.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

APLOG_USE_MODULE(keygate);

static int level_of(kg_log_level level)
{
	static const int table[] = {
		[KG_LOG_ERROR] = APLOG_ERR,	[KG_LOG_WARN] = APLOG_WARNING,
		[KG_LOG_NOTICE] = APLOG_NOTICE, [KG_LOG_INFO] = APLOG_INFO,
		[KG_LOG_DEBUG] = APLOG_DEBUG,
	};
	return table[level];
}

/* A line on its way out, with what is known about its request. */
typedef struct {
	kg_log_level level;
	const char *id, *line;
	const char *client;	/* NULL: no request */
	const char *request_id; /* NULL: none known */
} entry;

/* Appends s to out[*len..cap) as a JSON string (quotes included); the
 * formatter left no control character in it, so '"' and '\' are the
 * only escapes. Cut short, still closed, when full. */
static void put_json(char *out, size_t cap, size_t *len, const char *s)
{
	size_t n = *len;

	if (n + 3 > cap)
		return;
	out[n++] = '"';
	for (; *s && n + 3 < cap; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		else if ((unsigned char)*s < 0x20) {
			out[n++] = '?';
			continue;
		}
		if (n + 2 >= cap)
			break;
		out[n++] = *s;
	}
	out[n++] = '"';
	out[n] = '\0';
	*len = n;
}

static void put_raw(char *out, size_t cap, size_t *len, const char *s)
{
	size_t k = strlen(s);

	if (*len + k + 1 > cap)
		return;
	memcpy(out + *len, s, k + 1);
	*len += k;
}

/* The time now as 2026-12-07T19:43:49.123Z into out[64]. */
static void iso_now(char out[64])
{
	apr_time_exp_t t;

	apr_time_exp_gmt(&t, apr_time_now());
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min,
		 t.tm_sec, t.tm_usec / 1000);
}

/* e as one JSON object (no newline) into out[cap]. */
static void as_json(const entry *e, char *out, size_t cap)
{
	char now[64];
	size_t n = 0;

	iso_now(now);
	out[0] = '\0';
	put_raw(out, cap, &n, "{\"time\":");
	put_json(out, cap, &n, now);
	put_raw(out, cap, &n, ",\"level\":");
	put_json(out, cap, &n, kg_log_level_name(e->level));
	put_raw(out, cap, &n, ",\"id\":");
	if (e->id)
		put_json(out, cap, &n, e->id);
	else
		put_raw(out, cap, &n, "null");
	put_raw(out, cap, &n, ",\"msg\":");
	put_json(out, cap, &n, e->line);
	if (e->client) {
		put_raw(out, cap, &n, ",\"client\":");
		put_json(out, cap, &n, e->client);
	}
	if (e->request_id) {
		put_raw(out, cap, &n, ",\"request_id\":");
		put_json(out, cap, &n, e->request_id);
	}
	put_raw(out, cap, &n, "}");
}

/* e as a text line for the audit file: time, id, the line, client. */
static void as_text(const entry *e, char *out, size_t cap)
{
	char now[64];

	iso_now(now);
	snprintf(out, cap, "%s %s %s%s%s", now, e->id ? e->id : "-", e->line,
		 e->client ? " client=" : "", e->client ? e->client : "");
}

/* Writes an AUDIT line to the server's audit stream, in one write. */
static void audit(const kg_httpd_server *srv, const entry *e, bool json)
{
	char out[8192];
	size_t n;

	if (srv->audit == NULL || strncmp(e->line, "AUDIT ", 6) != 0)
		return;
	if (json)
		as_json(e, out, sizeof(out) - 1);
	else
		as_text(e, out, sizeof(out) - 1);
	n = strlen(out);
	out[n++] = '\n';
	apr_file_write_full(srv->audit, out, n, NULL);
}

/* Writes a JSON line (out has room for the newline) straight to s's
 * error log, past httpd's ErrorLogFormat and its escaping of '\'
 * (which would break the JSON); false when the error log is syslog. */
static bool write_line(server_rec *s, char *out)
{
	size_t n = strlen(out);

	if (s->error_log == NULL)
		return false;
	out[n++] = '\n';
	apr_file_write_full(s->error_log, out, n, NULL);
	return true;
}

static bool json_of(const kg_httpd_server *srv)
{
	return srv->conf && srv->conf->gateway.log_json;
}

static void request_sink(void *baton, kg_log_level level, const char *id,
			 const char *line)
{
	request_rec *r = baton;
	const kg_httpd_server *srv = kg_httpd_server_get(r->server);
	const char *rid = apr_table_get(r->subprocess_env, "UNIQUE_ID");
	entry e = {level, id, line, r->useragent_ip, rid ? rid : r->log_id};
	char out[8192];

	audit(srv, &e, json_of(srv));
	if (json_of(srv)) {
		if (!APLOG_R_MODULE_IS_LEVEL(r, APLOG_MODULE_INDEX,
					     level_of(level)))
			return;
		as_json(&e, out, sizeof(out) - 1);
		if (!write_line(r->server, out))
			ap_log_rerror(APLOG_MARK, level_of(level), 0, r, "%s",
				      out);
		return;
	}
	ap_log_rerror(APLOG_MARK, level_of(level), 0, r, "keygate: %s%s%s",
		      id ? id : "", id ? " " : "", line);
}

static void server_sink(void *baton, kg_log_level level, const char *id,
			const char *line)
{
	server_rec *s = baton;
	const kg_httpd_server *srv = kg_httpd_server_get(s);
	entry e = {level, id, line, NULL, NULL};
	char out[8192];

	audit(srv, &e, json_of(srv));
	if (json_of(srv)) {
		if (!APLOG_MODULE_IS_LEVEL(s, APLOG_MODULE_INDEX,
					   level_of(level)))
			return;
		as_json(&e, out, sizeof(out) - 1);
		if (!write_line(s, out))
			ap_log_error(APLOG_MARK, level_of(level), 0, s, "%s",
				     out);
		return;
	}
	ap_log_error(APLOG_MARK, level_of(level), 0, s, "keygate: %s%s%s",
		     id ? id : "", id ? " " : "", line);
}

kg_log kg_httpd_log_for_request(request_rec *r)
{
	kg_log log = {.max = KG_LOG_DEBUG, .fn = request_sink, .baton = r};

	return log;
}

kg_log kg_httpd_log_for_server(server_rec *s)
{
	kg_log log = {.max = KG_LOG_DEBUG, .fn = server_sink, .baton = s};

	return log;
}

void kg_httpd_logf(request_rec *r, kg_log_level level, const char *id,
		   const char *fmt, ...)
{
	kg_log log = kg_httpd_log_for_request(r);
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	kg_log_vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	log.fn(log.baton, level, id, line);
}
