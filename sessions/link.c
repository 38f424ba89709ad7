/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the byte stream to Redis: sockets, poll() deadlines and TLS.
 */
#include "sessions/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct kg_sess_link {
	int fd;
	SSL *ssl;	     /* NULL: plaintext */
	char tls_error[160]; /* the last TLS failure; "" when none */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. 1 ready,
 * 0 timed out (errno ETIMEDOUT), -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = {fd, events, 0};
		int n;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Starts a non-blocking connect to addr and waits for it. The socket,
 * or -1 with errno. */
static int dial_addr(const struct sockaddr *addr, socklen_t len, int family,
		     long long deadline)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int soerr = 0, one = 1;
	socklen_t sl = sizeof(soerr);

	if (fd < 0)
		return -1;
	if (connect(fd, addr, len) != 0) {
		if (errno != EINPROGRESS && errno != EAGAIN)
			goto fail;
		if (wait_fd(fd, POLLOUT, deadline) != 1)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			goto fail;
		if (soerr != 0) {
			errno = soerr;
			goto fail;
		}
	}
	if (family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

/* Connects to path, or to each address of host:port in turn. */
static int dial(const char *host, int port, const char *path,
		long long deadline, char *why, size_t why_size)
{
	struct addrinfo hints, *res = NULL;
	char service[8];
	int fd = -1, rc;

	if (path) {
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		if (strlen(path) >= sizeof(un.sun_path)) {
			snprintf(why, why_size, "socket path too long");
			return -1;
		}
		strcpy(un.sun_path, path);
		fd = dial_addr((struct sockaddr *)&un, sizeof(un), AF_UNIX,
			       deadline);
		if (fd < 0)
			snprintf(why, why_size, "%s", strerror(errno));
		return fd;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%d", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		snprintf(why, why_size, "%s", gai_strerror(rc));
		return -1;
	}
	snprintf(why, why_size, "no address");
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = dial_addr(a->ai_addr, a->ai_addrlen, a->ai_family,
			       deadline);
		if (fd < 0)
			snprintf(why, why_size, "%s", strerror(errno));
	}
	freeaddrinfo(res);
	return fd;
}

/* True when name is an IPv4 or IPv6 address. */
static bool is_ip(const char *name)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, buf) == 1 ||
	       inet_pton(AF_INET6, name, buf) == 1;
}

/* Keeps OpenSSL's reason for a failure and sets errno to EPROTO. */
static void tls_failed(kg_sess_link *l)
{
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, l->tls_error, sizeof(l->tls_error));
	else
		snprintf(l->tls_error, sizeof(l->tls_error), "TLS error");
	ERR_clear_error();
	errno = EPROTO;
}

/* Waits for what OpenSSL asked for after a call returned rc. 1 to call
 * again, 0 timed out, -1 a TLS or socket error. */
static int ssl_wait(kg_sess_link *l, int rc, long long deadline)
{
	switch (SSL_get_error(l->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(l->fd, POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(l->fd, POLLOUT, deadline);
	case SSL_ERROR_ZERO_RETURN:
		errno = ECONNRESET;
		return -1;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			errno = ECONNRESET;
		return -1;
	default:
		tls_failed(l);
		return -1;
	}
}

/* Says why a handshake failed: the certificate check's verdict when it
 * failed, else OpenSSL's reason (a plaintext server shows as a bad
 * record: "wrong version number"), else the socket's. */
static void handshake_why(const kg_sess_link *l, int wait_rc, char *why,
			  size_t why_size)
{
	long v = SSL_get_verify_result(l->ssl);

	if (v != X509_V_OK)
		snprintf(why, why_size, "certificate verify failed: %s",
			 X509_verify_cert_error_string(v));
	else if (l->tls_error[0])
		snprintf(why, why_size, "TLS handshake failed: %s%s",
			 l->tls_error,
			 strstr(l->tls_error, "wrong version number") ||
					 strstr(l->tls_error,
						"packet length too long")
				 ? " (the server does not speak TLS on that "
				   "port)"
				 : "");
	else
		snprintf(why, why_size, "TLS handshake failed: %s",
			 wait_rc == 0 ? "no TLS answer in time (a plaintext-"
					"only server never answers a TLS "
					"hello)"
				      : strerror(errno));
}

/* Sets up verification of name (a DNS name or IP address) and SNI. */
static bool expect_name(SSL *ssl, const char *name)
{
	X509_VERIFY_PARAM *param = SSL_get0_param(ssl);

	if (is_ip(name))
		return X509_VERIFY_PARAM_set1_ip_asc(param, name) == 1;
	X509_VERIFY_PARAM_set_hostflags(param,
					X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return X509_VERIFY_PARAM_set1_host(param, name, 0) == 1 &&
	       SSL_set_tlsext_host_name(ssl, name) == 1;
}

/* The TLS handshake on l within the deadline. */
static bool handshake(kg_sess_link *l, const kg_sess_tls *tls, const char *host,
		      long long deadline, char *why, size_t why_size)
{
	const char *name = kg_sess_tls_server_name(tls);
	int rc, w = 1;

	ERR_clear_error();
	l->ssl = SSL_new(kg_sess_tls_context(tls));
	if (l->ssl == NULL || SSL_set_fd(l->ssl, l->fd) != 1 ||
	    !expect_name(l->ssl, name	? name
				 : host ? host
					: "localhost")) {
		snprintf(why, why_size, "cannot set up TLS");
		ERR_clear_error();
		return false;
	}
	while ((rc = SSL_connect(l->ssl)) != 1) {
		if ((w = ssl_wait(l, rc, deadline)) != 1) {
			handshake_why(l, w, why, why_size);
			return false;
		}
	}
	return true;
}

/* Makes fd blocking, each read and write waiting at most io_ms (as
 * hiredis did with SO_RCVTIMEO): one system call per read or write on
 * the hot path instead of a poll() and a retry. */
static bool set_io_timeout(int fd, long long io_ms)
{
	struct timeval tv = {(time_t)(io_ms / 1000),
			     (suseconds_t)(io_ms % 1000) * 1000};
	int flags = fcntl(fd, F_GETFL);

	return flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 &&
	       setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	       setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0;
}

kg_sess_link *kg_sess_link_open(const char *host, int port, const char *path,
				const kg_sess_tls *tls, long long connect_ms,
				long long io_ms, kg_sess_link_error *e)
{
	long long deadline = now_ms() + connect_ms;
	kg_sess_link *l = calloc(1, sizeof(*l));

	e->tls = false;
	if (l == NULL) {
		snprintf(e->why, sizeof(e->why), "out of memory");
		return NULL;
	}
	l->fd = dial(host, port, path, deadline, e->why, sizeof(e->why));
	if (l->fd < 0) {
		free(l);
		return NULL;
	}
	e->tls = tls != NULL;
	if (tls && !handshake(l, tls, host, deadline, e->why, sizeof(e->why))) {
		kg_sess_link_close(l);
		return NULL;
	}
	if (!set_io_timeout(l->fd, io_ms)) {
		e->tls = false;
		snprintf(e->why, sizeof(e->why), "%s", strerror(errno));
		kg_sess_link_close(l);
		return NULL;
	}
	return l;
}

/* After a failed SSL_read_ex or SSL_write_ex on a blocking socket: 0
 * when the peer closed the stream cleanly, else -1 with errno. */
static int tls_io_failed(kg_sess_link *l, int rc)
{
	int e = errno;

	switch (SSL_get_error(l->ssl, rc)) {
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_WANT_READ: /* SO_RCVTIMEO or SO_SNDTIMEO ran out */
	case SSL_ERROR_WANT_WRITE:
		errno = ETIMEDOUT;
		return -1;
	case SSL_ERROR_SYSCALL:
		errno = e == 0				  ? ECONNRESET
			: e == EAGAIN || e == EWOULDBLOCK ? ETIMEDOUT
							  : e;
		ERR_clear_error();
		return -1;
	default:
		tls_failed(l);
		return -1;
	}
}

/* SSL_write_ex with SIGPIPE held back: OpenSSL writes with write(2),
 * which would raise it at a peer that closed (httpd ignores it, the CLI
 * would die of it). A SIGPIPE this write raised is taken, not left
 * pending. */
static int tls_write(kg_sess_link *l, const char *p, size_t len, size_t *done)
{
	sigset_t pipe_set, old;
	struct timespec zero = {0, 0};
	int rc, e;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ERR_clear_error();
	rc = SSL_write_ex(l->ssl, p, len, done);
	e = errno;
	if (rc != 1 && e == EPIPE && !sigismember(&old, SIGPIPE))
		sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return rc;
}

int kg_sess_link_write(kg_sess_link *l, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		size_t done = 0;
		ssize_t n;
		if (l->ssl == NULL) {
			n = send(l->fd, p, len, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				errno = ETIMEDOUT;
			if (n < 0)
				return -1;
			done = (size_t)n;
		} else {
			int rc = tls_write(l, p, len, &done);
			if (rc != 1) {
				if (tls_io_failed(l, rc) == 0)
					errno = EPIPE;
				return -1;
			}
		}
		p += done;
		len -= done;
	}
	return 0;
}

ssize_t kg_sess_link_read(kg_sess_link *l, void *buf, size_t cap)
{
	size_t got = 0;
	int rc;

	if (l->ssl == NULL) {
		for (;;) {
			ssize_t n = recv(l->fd, buf, cap, 0);
			if (n >= 0)
				return n;
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			return -1;
		}
	}
	ERR_clear_error();
	rc = SSL_read_ex(l->ssl, buf, cap, &got);
	return rc == 1 ? (ssize_t)got : tls_io_failed(l, rc);
}

bool kg_sess_link_buffered(const kg_sess_link *l)
{
	return l->ssl && SSL_pending(l->ssl) > 0;
}

const char *kg_sess_link_tls_error(const kg_sess_link *l)
{
	return l && l->tls_error[0] ? l->tls_error : NULL;
}

int kg_sess_link_fd(const kg_sess_link *l)
{
	return l->fd;
}

void kg_sess_link_close(kg_sess_link *l)
{
	if (l == NULL)
		return;
	SSL_free(l->ssl); /* no close_notify: the peer may be gone */
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}
