/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the keyed hash that turns a name into a Redis key.
 */
#include "sessions/mac.h"
#include "gateway/base/str.h"

#include <openssl/hmac.h>

void kg_sess_mac_hex(const unsigned char key[32], const void *data, size_t len,
		     char out[65])
{
	unsigned char mac[32];
	unsigned int maclen = 0;

	HMAC(EVP_sha256(), key, 32, data, len, mac, &maclen);
	kg_hex(mac, sizeof(mac), out);
}
