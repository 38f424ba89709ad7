/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the logging sink API.
 *
 * The core never writes to a file or to httpd itself: it calls a sink that
 * the binding installs (ap_log_rerror in httpd, stderr in the CLI, a
 * capture buffer in tests). Lines are one event each, key=value, with a
 * stable message id on notices, warnings and errors. Never pass a secret,
 * cookie, token or assertion; use kg_log_redact for a short fingerprint.
 */
#ifndef KG_LOG_H
#define KG_LOG_H

#include <stdarg.h>
#include <stddef.h>

typedef enum {
	KG_LOG_ERROR = 0,
	KG_LOG_WARN,
	KG_LOG_NOTICE,
	KG_LOG_INFO,
	KG_LOG_DEBUG
} kg_log_level;

typedef void (*kg_log_fn)(void *baton, kg_log_level level, const char *id,
			  const char *line);

typedef struct {
	kg_log_level max; /* lines above this level are dropped */
	kg_log_fn fn;	  /* NULL drops everything */
	void *baton;
} kg_log;

/* Formats one line and hands it to the sink. id is a stable message id
 * ("KG-0101") or NULL for debug lines. log may be NULL. fmt is
 * printf-like, but every %s is a value: written bare when it is plain
 * printable ASCII without space, '"', '=' or '\\', else quoted and
 * escaped, so no input can forge a field or a line (log.c has the rules
 * and the conversions it takes; tests/check/logfmt.py checks callers). */
void kg_log_emit(const kg_log *log, kg_log_level level, const char *id,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* kg_log_emit's formatter into buf[size] (always NUL-terminated, cut
 * short when full): for a fragment that a later line copies with %-s. */
void kg_log_format(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kg_log_vformat(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Writes the first 8 hex digits of SHA-256(data) into out[9]: a fingerprint
 * that lets an operator correlate a secret without logging it. */
void kg_log_redact(const void *data, size_t len, char out[9]);

/* Returns the lower-case name of level. */
const char *kg_log_level_name(kg_log_level level);

#endif
