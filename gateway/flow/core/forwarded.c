/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the X-Forwarded-* headers of trusted proxies.
 */
#include "gateway/flow/core/forwarded.h"

#include <apr_strings.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* ip as AF_INET or AF_INET6 bytes; an IPv4-mapped IPv6 address becomes
 * IPv4. False when ip is not an address literal. */
static bool parse_ip(const char *ip, int *family, unsigned char addr[16])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0,	   0,
						 0, 0, 0, 0, 0xff, 0xff};

	if (ip == NULL)
		return false;
	if (inet_pton(AF_INET, ip, addr) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, ip, addr) != 1)
		return false;
	*family = AF_INET6;
	if (memcmp(addr, mapped, 12) == 0) {
		memmove(addr, addr + 12, 4);
		*family = AF_INET;
	}
	return true;
}

static bool cidr_contains(const kg_conf_cidr *c, int family,
			  const unsigned char *addr)
{
	int full = c->bits / 8, rest = c->bits % 8;

	if (c->family != family || memcmp(c->addr, addr, (size_t)full) != 0)
		return false;
	return rest == 0 || ((c->addr[full] ^ addr[full]) &
			     (0xff << (8 - rest)) & 0xff) == 0;
}

bool kg_forwarded_is_trusted(const apr_array_header_t *trusted, const char *ip)
{
	unsigned char addr[16];
	int family;

	if (trusted == NULL || trusted->nelts == 0 ||
	    !parse_ip(ip, &family, addr))
		return false;
	for (int i = 0; i < trusted->nelts; i++)
		if (cidr_contains(&APR_ARRAY_IDX(trusted, i, kg_conf_cidr),
				  family, addr))
			return true;
	return false;
}

/* s[0..n) without the blanks around it, in pool. */
static char *trimmed(apr_pool_t *pool, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return apr_pstrmemdup(pool, s, n);
}

/* The last comma-separated element of a header value, trimmed. */
static char *last_element(apr_pool_t *pool, const char *v)
{
	const char *comma = strrchr(v, ',');

	return comma ? trimmed(pool, comma + 1, strlen(comma + 1))
		     : trimmed(pool, v, strlen(v));
}

/* An X-Forwarded-For entry as an address literal: "1.2.3.4",
 * "1.2.3.4:port", "2001:db8::1" or "[2001:db8::1]:port". NULL when it
 * is none of them. */
static const char *entry_ip(apr_pool_t *pool, const char *e)
{
	unsigned char addr[16];
	int family;
	const char *colon = strchr(e, ':');
	char *ip;

	if (e[0] == '[') {
		const char *close = strchr(e, ']');
		if (close == NULL ||
		    (close[1] != '\0' &&
		     (close[1] != ':' || close[2] == '\0' ||
		      strspn(close + 2, "0123456789") != strlen(close + 2))))
			return NULL;
		ip = apr_pstrmemdup(pool, e + 1, (size_t)(close - e - 1));
	} else if (colon && strchr(colon + 1, ':') == NULL) {
		if (colon[1] == '\0' ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1))
			return NULL;
		ip = apr_pstrmemdup(pool, e, (size_t)(colon - e));
	} else {
		ip = apr_pstrdup(pool, e);
	}
	if (!parse_ip(ip, &family, addr))
		return NULL;
	return ip;
}

/* Walks X-Forwarded-For from the right (see forwarded.h). */
static void read_xff(apr_pool_t *pool, const apr_array_header_t *trusted,
		     const char *xff, kg_forwarded *out)
{
	char *copy = apr_pstrdup(pool, xff);
	char *end = copy + strlen(copy);

	while (end > copy) {
		char *start = end;
		const char *ip;
		while (start > copy && start[-1] != ',')
			start--;
		ip = entry_ip(pool,
			      trimmed(pool, start, (size_t)(end - start)));
		if (ip == NULL)
			break; /* malformed: the hop before it is the client */
		out->client_ip = ip;
		if (!kg_forwarded_is_trusted(trusted, ip)) {
			/* the entries left of the client stay for the next
			 * hop, as mod_remoteip leaves them */
			out->xff_rest =
				start > copy
					? trimmed(pool, copy,
						  (size_t)(start - 1 - copy))
					: NULL;
			if (out->xff_rest && *out->xff_rest == '\0')
				out->xff_rest = NULL;
			return;
		}
		end = start > copy ? start - 1 : copy;
	}
	out->xff_rest =
		end > copy ? trimmed(pool, copy, (size_t)(end - copy)) : NULL;
}

/* A host name: labels of letters, digits, '-' and '_' joined by dots,
 * or an IPv6 literal in brackets; then an optional :PORT (1-65535). */
static void read_host(apr_pool_t *pool, const char *v, kg_forwarded *out)
{
	const char *h = last_element(pool, v);
	const char *end = h;
	char *host;
	long port = 0;

	if (*h == '[') {
		unsigned char addr[16];
		const char *close = strchr(h, ']');
		if (close == NULL ||
		    inet_pton(AF_INET6,
			      apr_pstrmemdup(pool, h + 1,
					     (size_t)(close - h - 1)),
			      addr) != 1)
			return;
		end = close + 1;
	} else {
		end = h + strspn(h, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._");
		if (end == h || *h == '.' || *h == '-' || strstr(h, ".."))
			return;
	}
	if (*end == ':') {
		char *stop;
		if (end[1] < '0' || end[1] > '9')
			return;
		port = strtol(end + 1, &stop, 10);
		if (*stop != '\0' || port < 1 || port > 65535)
			return;
	} else if (*end != '\0') {
		return;
	}
	host = apr_pstrmemdup(pool, h, (size_t)(end - h));
	for (char *c = host; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	out->host = host;
	out->port = (int)port;
}

void kg_forwarded_read(apr_pool_t *pool, const apr_array_header_t *trusted,
		       const char *peer, const char *xff, const char *proto,
		       const char *host, kg_forwarded *out)
{
	memset(out, 0, sizeof(*out));
	out->client_ip = peer;
	out->trusted = kg_forwarded_is_trusted(trusted, peer);
	if (!out->trusted)
		return;
	if (xff)
		read_xff(pool, trusted, xff, out);
	if (proto) {
		const char *p = last_element(pool, proto);
		if (strcasecmp(p, "https") == 0)
			out->scheme = "https";
		else if (strcasecmp(p, "http") == 0)
			out->scheme = "http";
	}
	if (host)
		read_host(pool, host, out);
}
