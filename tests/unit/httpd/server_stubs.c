/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the httpd stand-ins (server_stubs.h).
 */
#include "tests/unit/httpd/server_stubs.h"

#include <http_core.h>
#include <http_log.h>
#include <mod_auth.h>
#include <unixd.h>
#include <util_filter.h>
#include <http_protocol.h>
#include <apr_strings.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

kgt_httpd_hooks kgt_hooks;
kgt_httpd_world kgt_httpd;

void kgt_httpd_reset(void)
{
	memset(&kgt_httpd, 0, sizeof(kgt_httpd));
	kgt_httpd.auth_type = "keygate";
	kgt_httpd.scheme = "https";
	kgt_httpd.port = 443;
	kgt_httpd.setup_rc = OK;
}

bool kgt_httpd_logged(const char *needle)
{
	return strstr(kgt_httpd.log, needle) != NULL;
}

/* --- hooks: kept for the test to call ---------------------------------- */

AP_DECLARE(void)
ap_hook_post_config(ap_HOOK_post_config_t *pf, const char *const *pre,
		    const char *const *succ, int order)
{
	kgt_hooks.post_config = pf;
}

AP_DECLARE(void)
ap_hook_test_config(ap_HOOK_test_config_t *pf, const char *const *pre,
		    const char *const *succ, int order)
{
	kgt_hooks.test_config = pf;
}

AP_DECLARE(void)
ap_hook_child_init(ap_HOOK_child_init_t *pf, const char *const *pre,
		   const char *const *succ, int order)
{
	kgt_hooks.child_init = pf;
}

AP_DECLARE(void)
ap_hook_post_read_request(ap_HOOK_post_read_request_t *pf,
			  const char *const *pre, const char *const *succ,
			  int order)
{
	kgt_hooks.post_read_request = pf;
}

AP_DECLARE(void)
ap_hook_quick_handler(ap_HOOK_quick_handler_t *pf, const char *const *pre,
		      const char *const *succ, int order)
{
	kgt_hooks.quick_handler = pf;
}

AP_DECLARE(void)
ap_hook_check_authn(ap_HOOK_check_user_id_t *pf, const char *const *pre,
		    const char *const *succ, int order, int type)
{
	kgt_hooks.check_authn = pf;
}

AP_DECLARE(void)
ap_hook_handler(ap_HOOK_handler_t *pf, const char *const *pre,
		const char *const *succ, int order)
{
	kgt_hooks.handler = pf;
}

AP_DECLARE(void)
ap_hook_log_transaction(ap_HOOK_log_transaction_t *pf, const char *const *pre,
			const char *const *succ, int order)
{
	kgt_hooks.log_transaction = pf;
}

AP_DECLARE(void)
ap_hook_fixups(ap_HOOK_fixups_t *pf, const char *const *pre,
	       const char *const *succ, int order)
{
	kgt_hooks.fixups = pf;
}

AP_DECLARE(apr_status_t)
ap_register_auth_provider(apr_pool_t *pool, const char *provider_group,
			  const char *provider_name,
			  const char *provider_version, const void *provider,
			  int type)
{
	kgt_hooks.authz_providers++;
	return APR_SUCCESS;
}

/* --- the request ------------------------------------------------------- */

AP_DECLARE(const char *) ap_auth_type(request_rec *r)
{
	return kgt_httpd.auth_type;
}

AP_DECLARE(const char *) ap_run_http_scheme(const request_rec *r)
{
	return kgt_httpd.scheme;
}

AP_DECLARE(apr_port_t) ap_get_server_port(const request_rec *r)
{
	return kgt_httpd.port;
}

AP_DECLARE(int) ap_setup_client_block(request_rec *r, int read_policy)
{
	r->remaining = (apr_off_t)kgt_httpd.body_len;
	return kgt_httpd.setup_rc;
}

AP_DECLARE(int) ap_should_client_block(request_rec *r)
{
	return kgt_httpd.body != NULL;
}

AP_DECLARE(long)
ap_get_client_block(request_rec *r, char *buffer, apr_size_t bufsiz)
{
	size_t n = kgt_httpd.body_len - kgt_httpd.body_pos;

	/* in pieces of at most 1000 bytes, as a network would */
	if (n > bufsiz)
		n = bufsiz;
	if (n > 1000)
		n = 1000;
	memcpy(buffer, kgt_httpd.body + kgt_httpd.body_pos, n);
	kgt_httpd.body_pos += n;
	return (long)n;
}

/* --- the answer -------------------------------------------------------- */

AP_DECLARE(void) ap_set_content_type(request_rec *r, const char *ct)
{
	r->content_type = ct;
}

AP_DECLARE(int) ap_rwrite(const void *buf, int nbyte, request_rec *r)
{
	size_t room = sizeof(kgt_httpd.written) - 1 - kgt_httpd.written_len;
	size_t n = nbyte < 0 ? 0 : (size_t)nbyte;

	if (n > room)
		n = room;
	memcpy(kgt_httpd.written + kgt_httpd.written_len, buf, n);
	kgt_httpd.written_len += n;
	kgt_httpd.written[kgt_httpd.written_len] = '\0';
	return nbyte;
}

AP_DECLARE(void)
ap_custom_response(request_rec *r, int status, const char *string)
{
	kgt_httpd.custom_status = status;
	snprintf(kgt_httpd.custom, sizeof(kgt_httpd.custom), "%s", string);
}

/* --- the error log ----------------------------------------------------- */

__attribute__((format(printf, 2, 0))) static void
log_line(int level, const char *fmt, va_list ap)
{
	size_t room = sizeof(kgt_httpd.log) - kgt_httpd.log_len;
	int n;

	if (room < 2)
		return;
	n = vsnprintf(kgt_httpd.log + kgt_httpd.log_len, room - 1, fmt, ap);
	if (n < 0)
		return;
	kgt_httpd.log_len += (size_t)n < room - 1 ? (size_t)n : room - 2;
	kgt_httpd.log[kgt_httpd.log_len++] = '\n';
	kgt_httpd.log[kgt_httpd.log_len] = '\0';
}

AP_DECLARE(void)
ap_log_error_(const char *file, int line, int module_index, int level,
	      apr_status_t status, const server_rec *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(level, fmt, ap);
	va_end(ap);
}

AP_DECLARE(void)
ap_log_rerror_(const char *file, int line, int module_index, int level,
	       apr_status_t status, const request_rec *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(level, fmt, ap);
	va_end(ap);
}

/* The unix MPM's settings: the children's user and group (none here). */
unixd_config_rec ap_unixd_config = {.user_id = (uid_t)-1,
				    .group_id = (gid_t)-1};

/* DefaultRuntimeDir: the tests' state lives under the system's temp
 * folder. */
char *ap_runtime_dir_relative(apr_pool_t *p, const char *fname)
{
	return apr_pstrcat(p, "/tmp/", fname, NULL);
}

/* The request's host for a URL: the test requests name none, so the
 * server's name. */
const char *ap_get_server_name_for_url(request_rec *r)
{
	return r->server && r->server->server_hostname
		       ? r->server->server_hostname
		       : "localhost";
}

/* The input-filter calls of the form-body guard (req.c): the test
 * requests carry no body through httpd's filters. */
ap_filter_rec_t *ap_register_input_filter(const char *name,
					  ap_in_filter_func filter_func,
					  ap_init_filter_func filter_init,
					  ap_filter_type ftype)
{
	return NULL;
}

ap_filter_t *ap_add_input_filter(const char *name, void *ctx, request_rec *r,
				 conn_rec *c)
{
	return NULL;
}

apr_status_t ap_get_brigade(ap_filter_t *filter, apr_bucket_brigade *bucket,
			    ap_input_mode_t mode, apr_read_type_e block,
			    apr_off_t readbytes)
{
	return APR_EOF;
}

int ap_request_has_body(request_rec *r)
{
	return 0;
}

int ap_map_http_request_error(apr_status_t rv, int status)
{
	return status;
}

/* KeygateAuditLog: files relative to the current directory; no piped
 * loggers in unit tests. */
AP_DECLARE(char *) ap_server_root_relative(apr_pool_t *p, const char *fname)
{
	return apr_pstrdup(p, fname);
}

AP_DECLARE(piped_log *) ap_open_piped_log(apr_pool_t *p, const char *program)
{
	return NULL;
}

AP_DECLARE(apr_file_t *) ap_piped_log_write_fd(piped_log *pl)
{
	return NULL;
}
