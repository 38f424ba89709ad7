/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the open-redirect guard.
 */
#include "gateway/flow/core/redirect.h"
#include "gateway/base/str.h"

#include <string.h>
#include <strings.h>

/* Decodes %XX escapes of in into out (same size or smaller). Returns
 * whether anything was decoded. */
static bool percent_decode(const char *in, char *out)
{
	bool changed = false;

	while (*in) {
		int hi, lo;
		if (in[0] == '%' && (hi = kg_hex_value(in[1])) >= 0 &&
		    (lo = kg_hex_value(in[2])) >= 0) {
			*out++ = (char)(hi * 16 + lo);
			in += 3;
			changed = true;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return changed;
}

/* The structural rules, on one decoding of the path. */
static bool shape_is_local(const char *s, size_t len)
{
	if (len == 0 || s[0] != '/' || s[1] == '/' || s[1] == '\\')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			return false;
	}
	return true;
}

bool kg_redirect_is_local(const char *s)
{
	char a[KG_RETURN_PATH_MAX + 1], b[KG_RETURN_PATH_MAX + 1];
	size_t len;

	if (s == NULL || (len = strlen(s)) == 0 || len > KG_RETURN_PATH_MAX)
		return false;
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-._~!$&'()*+,;=:@/?#%") != len)
		return false;
	memcpy(a, s, len + 1);
	for (int round = 0; round < 4; round++) {
		if (!shape_is_local(a, strlen(a)))
			return false;
		if (!percent_decode(a, b))
			return true;
		memcpy(a, b, strlen(b) + 1);
	}
	return false; /* still decoding after four rounds: refuse */
}

const char *kg_redirect_local_or_root(const char *s, bool *rejected)
{
	bool ok = kg_redirect_is_local(s);

	if (rejected)
		*rejected = s != NULL && !ok;
	return ok ? s : "/";
}

const char *kg_redirect_return_to(const kg_req *req, const kg_log *log)
{
	bool rejected = false;
	const char *back = kg_redirect_local_or_root(
		kg_req_param(req, "return_to"), &rejected);

	if (rejected)
		kg_log_emit(log, KG_LOG_WARN, "KG-0403",
			    "REJECT proto=redirect reason=redirect_rejected "
			    "param=return_to");
	return back;
}
