/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the logging sink API and its formatter.
 *
 * kg_log_emit formats with its own small formatter, not vsnprintf: every
 * %s is a value written so that no input can forge a field or a line.
 * A value made only of printable ASCII other than space, '"', '=' and
 * '\' is written bare (reason=bad_signature); any other value is quoted
 * and escaped (user="a b\"c"), as logfmt does: '"' and '\' get a
 * backslash, control characters become \n, \r, \t or \xNN, bytes that
 * are not UTF-8 become \xNN, and the code points that reorder or break
 * lines (U+0080..U+009F, U+2028, U+2029, bidi controls) become \uNNNN.
 * Other UTF-8 text is kept. A NULL string is written as -.
 * tests/check/logfmt.py holds every kg_log_emit format to the
 * conversions handled here.
 */
#include "log.h"
#include "str.h"

#include <openssl/sha.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#define KG_LOG_LINE_MAX 2048

typedef struct {
	char *p;
	size_t len, cap; /* cap counts the NUL */
	bool full;
} out_buf;

/* Appends n bytes when they fit whole (keeping room for the NUL and,
 * when quoted, a closing quote); otherwise marks the line full. */
static bool put(out_buf *o, const char *s, size_t n, size_t reserve)
{
	if (o->full || o->len + n + reserve + 1 > o->cap) {
		o->full = true;
		return false;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
	return true;
}

static bool bare_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '=' && c != '\\';
}

/* The length of the UTF-8 sequence at s (n bytes left) and its code
 * point, or 0 when it is not well-formed. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len;
	unsigned min;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
	if (len > n)
		return 0;
	*cp = s[0] & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/* Code points that would break or reorder a line on a terminal or in
 * a log viewer. */
static bool cp_hidden(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

/* Writes s (n bytes) as one value: bare when it can be, else quoted and
 * escaped; cut short (still closed) when the line is full. */
static void put_value(out_buf *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	bool bare = n > 0;
	char esc[12];

	if (s == NULL) {
		put(o, "-", 1, 0);
		return;
	}
	for (size_t i = 0; i < n && bare; i++)
		bare = bare_ok(u[i]);
	if (bare) {
		put(o, s, n, 0);
		return;
	}
	if (!put(o, "\"", 1, 1))
		return;
	for (size_t i = 0; i < n;) {
		unsigned cp = 0;
		size_t len = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i, &cp);
		const char *w = esc;
		size_t wn;

		if (len == 1 && (u[i] == '"' || u[i] == '\\')) {
			esc[0] = '\\';
			esc[1] = (char)u[i];
			wn = 2;
		} else if (len == 1 && u[i] == '\n') {
			w = "\\n";
			wn = 2;
		} else if (len == 1 && u[i] == '\r') {
			w = "\\r";
			wn = 2;
		} else if (len == 1 && u[i] == '\t') {
			w = "\\t";
			wn = 2;
		} else if (len == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			wn = (size_t)snprintf(esc, sizeof(esc), "\\x%02x",
					      u[i]);
		} else if (len == 1) {
			w = s + i;
			wn = 1;
		} else if (len == 0) {
			wn = (size_t)snprintf(esc, sizeof(esc), "\\x%02x",
					      u[i]);
			len = 1;
		} else if (cp_hidden(cp)) {
			wn = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", cp);
		} else {
			w = s + i;
			wn = len;
		}
		if (!put(o, w, wn, 1)) {
			/* the room kept for it closes the value */
			o->p[o->len++] = '"';
			o->p[o->len] = '\0';
			return;
		}
		i += len;
	}
	put(o, "\"", 1, 0); /* into the byte kept for it */
}

/* Formats fmt with ap into o. Conversions: %s (a value, see the file
 * header), %.Ns (at most N bytes of it), %-s (text already formatted by
 * kg_log_format, copied as is), %c, and %d %i %u %x with the length
 * modifiers l, ll and z; %% is a percent sign. */
static void format(out_buf *o, const char *fmt, va_list ap)
{
	for (const char *f = fmt; *f && !o->full; f++) {
		bool verbatim = false;
		long prec = -1;
		char spec[8], num[32];
		size_t sl = 0;

		if (*f != '%') {
			const char *pct = strchr(f, '%');
			size_t n = pct ? (size_t)(pct - f) : strlen(f);
			put(o, f, n, 0);
			f += n - 1;
			continue;
		}
		f++;
		if (*f == '%') {
			put(o, "%", 1, 0);
			continue;
		}
		if (*f == '-') {
			verbatim = true;
			f++;
		}
		if (*f == '.') {
			prec = 0;
			while (f[1] >= '0' && f[1] <= '9')
				prec = prec * 10 + (*++f - '0');
			f++;
		}
		spec[sl++] = '%';
		while ((*f == 'l' || *f == 'z') && sl < 4)
			spec[sl++] = *f++;
		spec[sl++] = *f;
		spec[sl] = '\0';
		if (*f == 's') {
			const char *s = va_arg(ap, const char *);
			size_t n = s ? strlen(s) : 0;
			if (prec >= 0 && (size_t)prec < n)
				n = (size_t)prec;
			if (verbatim && s)
				put(o, s, n, 0);
			else
				put_value(o, s, n);
			continue;
		}
		if (strcmp(spec, "%c") == 0) {
			char c = (char)va_arg(ap, int);
			put_value(o, &c, 1);
			continue;
		}
		if (strcmp(spec, "%d") == 0 || strcmp(spec, "%i") == 0)
			snprintf(num, sizeof(num), "%d", va_arg(ap, int));
		else if (strcmp(spec, "%u") == 0)
			snprintf(num, sizeof(num), "%u", va_arg(ap, unsigned));
		else if (strcmp(spec, "%x") == 0)
			snprintf(num, sizeof(num), "%x", va_arg(ap, unsigned));
		else if (strcmp(spec, "%ld") == 0)
			snprintf(num, sizeof(num), "%ld", va_arg(ap, long));
		else if (strcmp(spec, "%lu") == 0)
			snprintf(num, sizeof(num), "%lu",
				 va_arg(ap, unsigned long));
		else if (strcmp(spec, "%lld") == 0)
			snprintf(num, sizeof(num), "%lld",
				 va_arg(ap, long long));
		else if (strcmp(spec, "%llu") == 0)
			snprintf(num, sizeof(num), "%llu",
				 va_arg(ap, unsigned long long));
		else if (strcmp(spec, "%zu") == 0)
			snprintf(num, sizeof(num), "%zu", va_arg(ap, size_t));
		else if (strcmp(spec, "%zd") == 0)
			snprintf(num, sizeof(num), "%zd", va_arg(ap, ssize_t));
		else {
			/* unknown: stop here rather than read a wrong type */
			put(o, "?", 1, 0);
			return;
		}
		put(o, num, strlen(num), 0);
	}
}

void kg_log_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	out_buf o = {.p = buf, .len = 0, .cap = size, .full = false};

	if (size == 0)
		return;
	buf[0] = '\0';
	format(&o, fmt, ap);
	/* literal text is code, but a line stays one line whatever it is */
	for (char *c = buf; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
}

void kg_log_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kg_log_vformat(buf, size, fmt, ap);
	va_end(ap);
}

void kg_log_emit(const kg_log *log, kg_log_level level, const char *id,
		 const char *fmt, ...)
{
	char line[KG_LOG_LINE_MAX];
	va_list ap;

	if (log == NULL || log->fn == NULL || level > log->max)
		return;
	va_start(ap, fmt);
	kg_log_vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
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
