/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the byte stream to one Redis server or Sentinel, plain or
 * TLS. Its one job: connect with a timeout (TCP or unix socket), do the
 * TLS handshake and verify the peer, write, read with a timeout, close.
 *
 * It knows nothing of Redis's protocol (sessions/redis.c feeds what it
 * reads to hiredis's reader), of Sentinels or of retries. A link is used
 * by one thread at a time. Connect and handshake wait in poll() for at
 * most the connect timeout in all; then the socket is blocking with the
 * I/O timeout on each read and write (SO_RCVTIMEO, SO_SNDTIMEO, as
 * hiredis did), so a command costs one write and one read.
 */
#ifndef KG_SESS_LINK_H
#define KG_SESS_LINK_H

#include "sessions/tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct kg_sess_link kg_sess_link;

/* Why a link did not open: at the TLS stage (a handshake or certificate
 * failure: a misconfiguration or an impostor, never retried as
 * plaintext) or before it (resolve, connect, timeout). */
typedef struct {
	bool tls;
	char why[240]; /* a sentence for the log; no secret in it */
} kg_sess_link_error;

/* Connects to the unix socket path, or else to host:port (a name, IPv4
 * or IPv6 address; each address the name resolves to in turn), all
 * within connect_ms. With tls, then does the TLS handshake (TLS 1.2 at
 * least) within what is left of connect_ms and verifies the server's
 * certificate: its chain, and that it names tls's server name or else
 * host (a DNS name, or an IP address in its IP SANs). Never falls back
 * to plaintext. Returns the link, or NULL and fills *e. */
kg_sess_link *kg_sess_link_open(const char *host, int port, const char *path,
				const kg_sess_tls *tls, long long connect_ms,
				long long io_ms, kg_sess_link_error *e);

/* Writes all of buf, each write waiting at most the I/O timeout. 0, or
 * -1 with errno: ETIMEDOUT, EPIPE or ECONNRESET (the peer is gone),
 * EPROTO (a TLS error). */
int kg_sess_link_write(kg_sess_link *l, const void *buf, size_t len);

/* Reads what is there, waiting at most the I/O timeout for something.
 * Returns the byte count, 0 when the peer closed the stream, or -1 with
 * errno: ETIMEDOUT, ECONNRESET, EPROTO. */
ssize_t kg_sess_link_read(kg_sess_link *l, void *buf, size_t cap);

/* True when bytes already decrypted wait to be read, which a poll() on
 * the socket would not report. */
bool kg_sess_link_buffered(const kg_sess_link *l);

/* OpenSSL's reason for the last TLS failure on l (an alert such as
 * "tlsv13 alert certificate required"), or NULL. */
const char *kg_sess_link_tls_error(const kg_sess_link *l);

/* The socket, for poll() and shutdown(). */
int kg_sess_link_fd(const kg_sess_link *l);

/* Closes the socket and frees l (NULL is fine). */
void kg_sess_link_close(kg_sess_link *l);

#endif
