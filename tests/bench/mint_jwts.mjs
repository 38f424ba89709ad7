// SPDX-License-Identifier: AGPL-3.0-or-later
// keygate bench helper (tests/bench/gateway.sh): a throw-away RS256 key,
// its JWKS (DIR/jwks.json) and public key (DIR/jwt.pem), and N distinct
// signed access tokens, one a line, in DIR/tokens.txt. Each token names
// ISS and AUD, one of 50 users (sub, preferred_username, email), a unique
// jti, and expires in two hours.
// usage: node mint_jwts.mjs DIR N ISS AUD
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
const [dir, n, iss, aud] = process.argv.slice(2);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench-1', use: 'sig', alg: 'RS256' };
writeFileSync(`${dir}/jwks.json`, JSON.stringify({ keys: [jwk] }));
writeFileSync(`${dir}/jwt.pem`, publicKey.export({ format: 'pem', type: 'spki' }));
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const head = b64({ alg: 'RS256', typ: 'JWT', kid: 'bench-1' });
const now = Math.floor(Date.now() / 1000);
const out = [];
for (let i = 0; i < Number(n); i++) {
  const body = b64({ iss, aud, sub: `user${i % 50}`, preferred_username: `user${i % 50}`,
    email: `user${i % 50}@example.org`, iat: now - 5, exp: now + 7200, jti: `j${i}` });
  const data = `${head}.${body}`;
  out.push(`${data}.${sign('sha256', Buffer.from(data), privateKey).toString('base64url')}`);
}
writeFileSync(`${dir}/tokens.txt`, out.join('\n') + '\n');
