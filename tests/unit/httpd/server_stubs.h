/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: stand-ins for the httpd symbols that the binding's
 * objects (gateway/httpd/{mod_keygate,req,status,config,log,authz}.o)
 * call, so test_httpd_req links them without an httpd (in the manner of
 * liboauth2's test/server_stubs.c). The hooks register_hooks installs are
 * kept here for the test to call; log lines and response bodies are
 * captured. Compiled with httpd's headers (-I$(HTTPD_INC)) only for that
 * test: it lives outside the unit helpers (tests/unit/ itself) on purpose.
 */
#ifndef KGT_HTTPD_SERVER_STUBS_H
#define KGT_HTTPD_SERVER_STUBS_H

#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>

#include <stdbool.h>

/* The hooks keygate_module.register_hooks registered (NULL before). */
typedef struct {
	int (*post_config)(apr_pool_t *, apr_pool_t *, apr_pool_t *,
			   server_rec *);
	void (*test_config)(apr_pool_t *, server_rec *);
	void (*child_init)(apr_pool_t *, server_rec *);
	int (*post_read_request)(request_rec *);
	int (*quick_handler)(request_rec *, int);
	int (*check_authn)(request_rec *);
	int (*fixups)(request_rec *);
	int (*handler)(request_rec *);
	int (*log_transaction)(request_rec *);
	int authz_providers; /* ap_register_auth_provider calls */
} kgt_httpd_hooks;
extern kgt_httpd_hooks kgt_hooks;

/* What the stubs answer and what they saw. */
typedef struct {
	const char *auth_type; /* ap_auth_type (NULL: none) */
	const char *scheme;    /* ap_http_scheme: "https" */
	apr_port_t port;       /* ap_get_server_port: 443 */
	const char *body;      /* the request body ap_get_client_block reads */
	size_t body_len, body_pos;
	int setup_rc;	    /* ap_setup_client_block's answer (OK) */
	char written[4096]; /* what ap_rwrite wrote */
	size_t written_len;
	int custom_status; /* ap_custom_response's status, or 0 */
	char custom[1024]; /* and its text */
	char log[16384];   /* every ap_log_[r]error_ line */
	size_t log_len;
} kgt_httpd_world;
extern kgt_httpd_world kgt_httpd;

/* Resets kgt_httpd to its defaults (kgt_hooks stays). */
void kgt_httpd_reset(void);

/* True when some captured log line contains needle. */
bool kgt_httpd_logged(const char *needle);

#endif
