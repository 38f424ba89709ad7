/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: the core's log sink, writing through httpd's error log so
 * `LogLevel keygate:debug` works.
 */
#include "gateway/httpd/binding.h"

#include <http_log.h>

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

static void request_sink(void *baton, kg_log_level level, const char *id,
			 const char *line)
{
	request_rec *r = baton;

	ap_log_rerror(APLOG_MARK, level_of(level), 0, r, "keygate: %s%s%s",
		      id ? id : "", id ? " " : "", line);
}

static void server_sink(void *baton, kg_log_level level, const char *id,
			const char *line)
{
	server_rec *s = baton;

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
