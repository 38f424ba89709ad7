/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the logging sink API.
 */
#include "log.h"
#include "str.h"

#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>

#define KG_LOG_LINE_MAX 1024

void kg_log_emit(const kg_log *log, kg_log_level level, const char *id,
		 const char *fmt, ...)
{
	char line[KG_LOG_LINE_MAX];
	va_list ap;

	if (log == NULL || log->fn == NULL || level > log->max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *c = line; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	log->fn(log->baton, level, id, line);
}

void kg_log_redact(const void *data, size_t len, char out[9])
{
	unsigned char digest[SHA256_DIGEST_LENGTH];

	SHA256(data, len, digest);
	kg_hex(digest, 4, out);
}

const char *kg_log_level_name(kg_log_level level)
{
	static const char *const names[] = {"error", "warn", "notice", "info",
					    "debug"};
	if ((unsigned)level > KG_LOG_DEBUG)
		return "debug";
	return names[level];
}
