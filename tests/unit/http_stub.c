/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the loopback HTTP server.
 */
#include "tests/unit/http_stub.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define KGT_ROUTES 16
#define KGT_REQ_MAX (64 * 1024)

typedef struct {
	char *path, *content_type, *body;
	int status, hits;
	char *last_body, *last_auth;
} kgt_route;

struct kgt_http {
	int fd, port;
	pthread_t thread;
	pthread_mutex_t lock;
	kgt_route routes[KGT_ROUTES];
	int nroutes;
	bool stop;
};

/* The route of path, created when create is true. Called locked. */
static kgt_route *route_find(kgt_http *h, const char *path, bool create)
{
	for (int i = 0; i < h->nroutes; i++) {
		if (strcmp(h->routes[i].path, path) == 0)
			return &h->routes[i];
	}
	if (!create || h->nroutes == KGT_ROUTES)
		return NULL;
	h->routes[h->nroutes].path = strdup(path);
	h->routes[h->nroutes].status = 404;
	return &h->routes[h->nroutes++];
}

/* The value of header name in the raw head, malloc'd, or NULL. */
static char *header_value(const char *head, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *end = strstr(v, "\r\n");
			while (*v == ' ')
				v++;
			return strndup(v, end ? (size_t)(end - v) : strlen(v));
		}
	}
	return NULL;
}

/* Reads one request from c and answers it. */
static void serve_one(kgt_http *h, int c)
{
	char *buf = malloc(KGT_REQ_MAX + 1), *end, path[1024] = "", *len_s;
	size_t got = 0, need;
	kgt_route *r;
	char *out;
	ssize_t n;

	while (got < KGT_REQ_MAX &&
	       (n = read(c, buf + got, KGT_REQ_MAX - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			len_s = header_value(buf, "Content-Length");
			need = (size_t)(end + 4 - buf) +
			       (len_s ? strtoul(len_s, NULL, 10) : 0);
			free(len_s);
			if (got >= need)
				break;
		}
	}
	buf[got] = '\0';
	end = strstr(buf, "\r\n\r\n");
	if (end == NULL || sscanf(buf, "%*s %1023s", path) != 1) {
		free(buf);
		return;
	}
	*end = '\0';
	if (strchr(path, '?'))
		*strchr(path, '?') = '\0';
	pthread_mutex_lock(&h->lock);
	r = route_find(h, path, true);
	if (r) {
		r->hits++;
		free(r->last_body);
		free(r->last_auth);
		r->last_body = strdup(end + 4);
		r->last_auth = header_value(buf, "Authorization");
	}
	n = asprintf(&out,
		     "HTTP/1.1 %d X\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     r ? r->status : 404,
		     r && r->content_type ? r->content_type : "text/plain",
		     r && r->body ? strlen(r->body) : 0,
		     r && r->body ? r->body : "");
	pthread_mutex_unlock(&h->lock);
	if (n > 0 && write(c, out, (size_t)n) < 0)
		perror("http_stub write");
	free(out);
	free(buf);
}

static void *serve(void *arg)
{
	kgt_http *h = arg;

	for (;;) {
		int c = accept(h->fd, NULL, NULL);
		if (c < 0)
			break;
		serve_one(h, c);
		close(c);
	}
	return NULL;
}

static apr_status_t http_stop(void *data)
{
	kgt_http *h = data;

	shutdown(h->fd, SHUT_RDWR);
	pthread_join(h->thread, NULL);
	close(h->fd);
	for (int i = 0; i < h->nroutes; i++) {
		free(h->routes[i].path);
		free(h->routes[i].content_type);
		free(h->routes[i].body);
		free(h->routes[i].last_body);
		free(h->routes[i].last_auth);
	}
	pthread_mutex_destroy(&h->lock);
	return APR_SUCCESS;
}

/* Binds a socket to 127.0.0.1 on a free port; returns it and sets *port. */
static int bind_free(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

kgt_http *kgt_http_start(apr_pool_t *pool)
{
	kgt_http *h = apr_pcalloc(pool, sizeof(*h));

	h->fd = bind_free(&h->port);
	if (listen(h->fd, 16) != 0)
		abort();
	pthread_mutex_init(&h->lock, NULL);
	pthread_create(&h->thread, NULL, serve, h);
	apr_pool_cleanup_register(pool, h, http_stop, apr_pool_cleanup_null);
	return h;
}

int kgt_http_dead_port(void)
{
	int port, fd = bind_free(&port);

	close(fd);
	return port;
}

const char *kgt_http_url(kgt_http *h, apr_pool_t *pool, const char *path)
{
	return kg_psprintf(pool, "http://127.0.0.1:%d%s", h->port, path);
}

void kgt_http_route(kgt_http *h, const char *path, int status,
		    const char *content_type, const char *body)
{
	kgt_route *r;

	pthread_mutex_lock(&h->lock);
	r = route_find(h, path, true);
	free(r->content_type);
	free(r->body);
	r->status = status;
	r->content_type = strdup(content_type);
	r->body = strdup(body);
	pthread_mutex_unlock(&h->lock);
}

int kgt_http_hits(kgt_http *h, const char *path)
{
	kgt_route *r;
	int n;

	pthread_mutex_lock(&h->lock);
	r = route_find(h, path, false);
	n = r ? r->hits : 0;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* Copies a remembered field of path's route into pool. */
static const char *last_field(kgt_http *h, apr_pool_t *pool, const char *path,
			      bool auth)
{
	kgt_route *r;
	const char *s = "";

	pthread_mutex_lock(&h->lock);
	r = route_find(h, path, false);
	if (r && (auth ? r->last_auth : r->last_body))
		s = apr_pstrdup(pool, auth ? r->last_auth : r->last_body);
	pthread_mutex_unlock(&h->lock);
	return s;
}

const char *kgt_http_last_body(kgt_http *h, apr_pool_t *pool, const char *path)
{
	return last_field(h, pool, path, false);
}

const char *kgt_http_last_auth(kgt_http *h, apr_pool_t *pool, const char *path)
{
	return last_field(h, pool, path, true);
}
