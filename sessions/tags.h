/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: tags on sessions, so that a protocol event can end every
 * session it names: an OIDC back-channel logout names a sid or a sub, a
 * SAML LogoutRequest a NameID and SessionIndex.
 *
 * A tag is a set P tag:HASH of session ids, HASH = hex HMAC-SHA256 of the
 * tag text with the cookie key (no identifier in clear in Redis). It
 * expires with the longest session it holds. An id whose session is
 * gone is skipped when the tag is used.
 */
#ifndef KG_SESS_TAGS_H
#define KG_SESS_TAGS_H

#include "sessions/store.h"

/* Adds session id to tag, keeping the tag at least until expires_ms. */
kg_rc kg_sess_tag_add(kg_sess_store *s, apr_pool_t *pool, const char *tag,
		      const char *id, long long expires_ms, kg_err *err);

/* Ends every live session of tag (each an audit event with reason) and
 * drops the tag. *ended is how many were live. */
kg_rc kg_sess_tag_end(kg_sess_store *s, apr_pool_t *pool, const char *tag,
		      const char *reason, int *ended, kg_err *err);

/* The tag texts, in pool: a SAML NameID of provider alias, that NameID
 * with one SessionIndex, and an OIDC issuer's sid or sub. The texts
 * cannot collide across kinds: each starts with its kind and separates
 * its parts with a newline, which no part may hold. */
const char *kg_sess_tag_saml_name_id(apr_pool_t *pool, const char *alias,
				     const char *name_id);
const char *kg_sess_tag_saml_session(apr_pool_t *pool, const char *alias,
				     const char *name_id,
				     const char *session_index);
const char *kg_sess_tag_oidc_sid(apr_pool_t *pool, const char *issuer,
				 const char *sid);
const char *kg_sess_tag_oidc_sub(apr_pool_t *pool, const char *issuer,
				 const char *sub);

#endif
