/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the keyed hash that turns a name into a Redis key.
 */
#include "sessions/mac.h"

#include <openssl/hmac.h>

void kg_sess_mac_hex(const unsigned char key[32], const void *data,
		     size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[32];
	unsigned int maclen = 0;

	HMAC(EVP_sha256(), key, 32, data, len, mac, &maclen);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0xf];
	}
	out[64] = '\0';
}
