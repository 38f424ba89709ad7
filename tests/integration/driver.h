/* keygate integration drivers: what every driver shares. TAP lines that
 * count their failures, and a log sink that writes keygate's log lines
 * to stderr. Header-only: each driver is one program of one file. */
#ifndef KG_TESTS_INTEGRATION_DRIVER_H
#define KG_TESTS_INTEGRATION_DRIVER_H

#include "gateway/base/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* how many "not ok" lines this driver printed */
static int failures __attribute__((unused));

/* Prints one TAP line ("ok - ..." or "not ok - ...") and counts a
 * failure. */
static inline void tap(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures += !ok;
}

/* A kg_log sink: one stderr line per event, "LEVEL ID LINE". */
static inline void driver_log(void *baton, kg_log_level level, const char *id,
			      const char *line)
{
	(void)baton;
	fprintf(stderr, "%s %s %s\n", kg_log_level_name(level), id ? id : "-",
		line);
}

#endif
