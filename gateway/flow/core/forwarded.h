/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host, and
 * who may set them (KeygateTrustedProxies; security.md §4 case 64).
 *
 * Only a peer inside one of the trusted address blocks (the load
 * balancer) is believed. From it:
 *   - the client address is the right-most X-Forwarded-For entry that is
 *     not itself a trusted proxy (the entries the trusted hops appended
 *     are skipped; a malformed entry stops the walk at the hop before);
 *   - the scheme is the last X-Forwarded-Proto value, "http" or "https";
 *   - the host (and port) is the last X-Forwarded-Host value, a DNS name
 *     or an IP literal with an optional port.
 * A value that does not parse is ignored, as if it were not there. From
 * any other peer these headers count for nothing (the binding deletes
 * them), and `Forwarded` is never read.
 *
 * Pure functions of their arguments: no I/O, no gateway.
 */
#ifndef KG_FLOW_CORE_FORWARDED_H
#define KG_FLOW_CORE_FORWARDED_H

#include "conf/gateway.h"

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

typedef struct {
	bool trusted;	       /* the peer is a trusted proxy */
	const char *client_ip; /* the client; the peer when not trusted */
	const char *xff_rest;  /* trusted: the X-Forwarded-For entries left
				  of the client (for the next hop), or
				  NULL when none */
	const char *scheme;    /* "http" or "https", or NULL */
	const char *host;      /* lower case, IPv6 in brackets, or NULL */
	int port;	       /* host's port, 0 when it names none */
} kg_forwarded;

/* True when ip (an IPv4 or IPv6 literal; an IPv4-mapped IPv6 address
 * counts as its IPv4 address) lies in one of the kg_conf_cidr blocks of
 * trusted. */
bool kg_forwarded_is_trusted(const apr_array_header_t *trusted, const char *ip);

/* Reads what peer (the address of the TCP connection) says through the
 * three headers (each the merged value of all its header lines, or
 * NULL). Strings in pool. */
void kg_forwarded_read(apr_pool_t *pool, const apr_array_header_t *trusted,
		       const char *peer, const char *xff, const char *proto,
		       const char *host, kg_forwarded *out);

#endif
