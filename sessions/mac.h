/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the keyed hash that turns a name into a Redis key, so Redis
 * holds no user id, token id or subject in clear.
 */
#ifndef KG_SESS_MAC_H
#define KG_SESS_MAC_H

#include <stddef.h>

/* Writes hex HMAC-SHA256(key, data[0..len)) and its NUL into out. */
void kg_sess_mac_hex(const unsigned char key[32], const void *data, size_t len,
		     char out[65]);

#endif
