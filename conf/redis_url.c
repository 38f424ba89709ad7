/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Redis address parser (redis://, rediss://, unix://, IPv6
 * literals, bare HOST:PORT).
 */
#include "conf/redis_url.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

/* The longest host name DNS allows. */
#define HOST_MAX 253

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..len) into pool ('+' stays '+': this is a URL's
 * user part, not a form). NULL on a bad escape or a NUL byte; *out_len
 * is the decoded length. */
static char *pct_decode(apr_pool_t *pool, const char *s, size_t len,
			size_t *out_len)
{
	char *out = apr_palloc(pool, len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if (i + 2 >= len || (hi = hex_value(s[i + 1])) < 0 ||
		    (lo = hex_value(s[i + 2])) < 0 || (hi | lo) == 0)
			return NULL;
		out[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* A host name: letters, digits, '-', '.', '_' only, at most HOST_MAX. */
static bool host_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > HOST_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.' && s[i] != '_')
			return false;
	return true;
}

/* Parses HOST[:PORT] or [IPV6][:PORT] (s[0..len)) into out. */
static const char *parse_hostport(apr_pool_t *pool, const char *s, size_t len,
				  int default_port, kg_conf_redis_url *out)
{
	const char *host = s, *port = NULL;
	size_t hlen = len;
	long long n = default_port;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		struct in6_addr a6;
		char buf[INET6_ADDRSTRLEN + 1];
		if (close == NULL)
			return "has a '[' without its ']'";
		host = s + 1;
		hlen = (size_t)(close - host);
		if (hlen == 0 || hlen >= sizeof(buf))
			return "has an IPv6 literal that is not an address";
		memcpy(buf, host, hlen);
		buf[hlen] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return "has an IPv6 literal that is not an address";
		if (close + 1 < s + len) {
			if (close[1] != ':')
				return "has text after the IPv6 literal";
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', len);
		if (colon &&
		    memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)))
			return "has an IPv6 address without brackets; write "
			       "[ADDRESS]:PORT";
		if (colon) {
			hlen = (size_t)(colon - s);
			port = colon + 1;
		}
		if (hlen == 0)
			return "has an empty host";
		if (!host_name_ok(host, hlen))
			return "has a host that is not a name or an address";
	}
	if (port) {
		char num[8];
		size_t plen = (size_t)(s + len - port);
		if (plen == 0 || plen >= sizeof(num))
			return "has a port that is not a number from 1 to "
			       "65535";
		memcpy(num, port, plen);
		num[plen] = '\0';
		if (!kg_str_to_int(num, 1, 65535, &n) ||
		    !isdigit((unsigned char)num[0]))
			return "has a port that is not a number from 1 to "
			       "65535";
	}
	out->host = apr_pstrmemdup(pool, host, hlen);
	out->port = (int)n;
	return NULL;
}

/* Parses [USER]:PASS (s[0..len), before the '@') into out. */
static const char *parse_userinfo(apr_pool_t *pool, const char *s, size_t len,
				  kg_conf_redis_url *out)
{
	const char *colon = memchr(s, ':', len);
	size_t ulen, plen;
	char *user, *pass;

	if (colon == NULL)
		return "names a user without a password; write USER:PASSWORD@ "
		       "(or use KeygateRedisUser and KeygateRedisPassword)";
	user = pct_decode(pool, s, (size_t)(colon - s), &ulen);
	pass = pct_decode(pool, colon + 1, len - (size_t)(colon + 1 - s),
			  &plen);
	if (user == NULL || pass == NULL)
		return "has a bad %-escape in its user or password";
	if (plen == 0)
		return "has an empty password";
	for (size_t i = 0; i < ulen; i++)
		if (!isgraph((unsigned char)user[i]))
			return "has a user name with a space or control "
			       "character";
	out->user = ulen ? user : NULL;
	out->password.bytes = (const unsigned char *)pass;
	out->password.len = plen;
	return NULL;
}

/* Parses the rest of a redis:// or rediss:// URL: authority and /DB. */
static const char *parse_network(apr_pool_t *pool, const char *s,
				 int default_port, kg_conf_redis_url *out)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	const char *at = NULL, *msg;

	/* the last '@' ends the user part: a password may hold an '@' */
	for (size_t i = 0; i < alen; i++)
		if (s[i] == '@')
			at = s + i;
	if (at) {
		msg = parse_userinfo(pool, s, (size_t)(at - s), out);
		if (msg)
			return msg;
		alen -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	msg = parse_hostport(pool, s, alen, default_port, out);
	if (msg || slash == NULL || slash[1] == '\0')
		return msg;
	{
		long long db;
		if (!isdigit((unsigned char)slash[1]) ||
		    !kg_str_to_int(slash + 1, 0, 1000000, &db))
			return "has a database that is not a number (/DB)";
		out->database = (int)db;
	}
	return NULL;
}

/* unix:///PATH or unix:/PATH: an absolute path. */
static const char *parse_unix(apr_pool_t *pool, const char *rest,
			      kg_conf_redis_url *out)
{
	if (strncmp(rest, "//", 2) == 0) {
		rest += 2;
		if (rest[0] != '/')
			return "must be unix:///ABSOLUTE/PATH (unix:// takes "
			       "no host)";
	}
	if (rest[0] != '/' || rest[1] == '\0')
		return "must be unix:///ABSOLUTE/PATH";
	out->socket = apr_pstrdup(pool, rest);
	return NULL;
}

const char *kg_conf_redis_url_parse(apr_pool_t *pool, const char *text,
				    int default_port, kg_conf_redis_url *out)
{
	const char *sep = strstr(text, "://");
	size_t slen = sep ? (size_t)(sep - text) : 0;

	memset(out, 0, sizeof(*out));
	out->database = -1;
	out->port = default_port;
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return "has a space, control or non-ASCII character";
	if (text[0] == '\0')
		return "is empty";
	if (strpbrk(text, "?#"))
		return "has a query or fragment; keygate takes none (use the "
		       "KeygateRedis* directives)";
	if (strncasecmp(text, "unix:", 5) == 0)
		return parse_unix(pool, text + 5, out);
	if (sep && slen == 6 && strncasecmp(text, "rediss", 6) == 0) {
		out->tls = true;
		return parse_network(pool, sep + 3, default_port, out);
	}
	if (sep && slen == 5 && strncasecmp(text, "redis", 5) == 0)
		return parse_network(pool, sep + 3, default_port, out);
	if (sep)
		return "has a scheme keygate cannot serve; use redis://, "
		       "rediss:// (TLS) or unix:///PATH";
	if (strpbrk(text, "@/"))
		return "has a user, password or database; those need a "
		       "redis:// or rediss:// URL";
	return parse_hostport(pool, text, strlen(text), default_port, out);
}
