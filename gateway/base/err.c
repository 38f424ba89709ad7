/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: result codes and the fixed-size error record.
 */
#include "err.h"

#include <stdio.h>
#include <string.h>

const char *kg_rc_name(kg_rc rc)
{
	static const char *const names[] = {
		[KG_OK] = "ok",
		[KG_ENOTFOUND] = "enotfound",
		[KG_EINVAL] = "einval",
		[KG_ECONFIG] = "econfig",
		[KG_EAUTH] = "eauth",
		[KG_EDENIED] = "edenied",
		[KG_EBACKEND] = "ebackend",
		[KG_EINTERNAL] = "einternal",
	};
	if ((unsigned)rc >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[rc];
}

kg_rc kg_err_set(kg_err *err, kg_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->rc != KG_OK)
		return rc;
	err->rc = rc;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

void kg_err_clear(kg_err *err)
{
	err->rc = KG_OK;
	err->msg[0] = '\0';
}
