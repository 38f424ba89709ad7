/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: base64url without padding (RFC 7515 §2), as JOSE and PKCE
 * write it. Results live in the caller's pool.
 */
#ifndef KG_BASE_B64URL_H
#define KG_BASE_B64URL_H

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

/* Returns data[0..len) as base64url without padding, NUL-terminated. */
char *kg_b64url_encode(apr_pool_t *pool, const unsigned char *data, size_t len);

/* Decodes s[0..len) (base64url, no padding, nothing else allowed) into
 * *out (NUL-terminated, *out_len bytes). Returns false on any character
 * outside the alphabet, padding, or an impossible length. */
bool kg_b64url_decode(apr_pool_t *pool, const char *s, size_t len,
		      unsigned char **out, size_t *out_len);

#endif
