/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the open-redirect guard. Only a local path ever becomes a
 * Location, whatever a return_to, RelayState or post-logout parameter
 * says (security.md §4, the mod_auth_openidc payload list).
 */
#ifndef KG_FLOW_CORE_REDIRECT_H
#define KG_FLOW_CORE_REDIRECT_H

#include "gateway/base/http.h"
#include "gateway/base/log.h"

#include <apr_pools.h>
#include <stdbool.h>

#define KG_RETURN_PATH_MAX 2048

/* True when s is a path on this site: only characters RFC 3986 allows
 * unescaped in a path and query, starting with one '/', and, after every round
 * of percent-decoding, still starting with one '/' not followed by '/' or '\',
 * with no backslash or control character anywhere. */
bool kg_redirect_is_local(const char *s);

/* s when it is local, else "/" (and *rejected set true when given). */
const char *kg_redirect_local_or_root(const char *s, bool *rejected);

/* The request's return_to parameter when it is a local path, else "/"
 * (and a REJECT line in the log). */
const char *kg_redirect_return_to(const kg_req *req, const kg_log *log);

#endif
