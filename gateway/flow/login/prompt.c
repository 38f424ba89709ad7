/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: prompt=login on the login endpoints: the person must
 * authenticate again at the provider ("Sign in as someone else").
 */
#include "gateway/flow/login/login.h"

#include <string.h>

bool kg_login_fresh_auth(const kg_req *req)
{
	const char *prompt = kg_req_param(req, "prompt");

	return prompt != NULL && strcmp(prompt, "login") == 0;
}

const char *kg_login_fresh_auth_query(const kg_req *req)
{
	return kg_login_fresh_auth(req) ? "&prompt=login" : "";
}
