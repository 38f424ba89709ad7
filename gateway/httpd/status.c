/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: the one table from core result codes to HTTP statuses.
 */
#include "gateway/httpd/binding.h"

int kg_httpd_status_of(kg_rc rc)
{
	static const int table[] = {
		[KG_OK] = HTTP_OK,
		[KG_ENOTFOUND] = HTTP_NOT_FOUND,
		[KG_EINVAL] = HTTP_BAD_REQUEST,
		[KG_ECONFIG] = HTTP_INTERNAL_SERVER_ERROR,
		[KG_EAUTH] = HTTP_UNAUTHORIZED,
		[KG_EDENIED] = HTTP_FORBIDDEN,
		[KG_EBACKEND] = HTTP_SERVICE_UNAVAILABLE,
		[KG_EINTERNAL] = HTTP_INTERNAL_SERVER_ERROR,
	};

	if ((unsigned)rc >= sizeof(table) / sizeof(table[0]))
		return HTTP_INTERNAL_SERVER_ERROR;
	return table[rc];
}
