import type { TokenHash } from '../domain/ids';
import type { Random } from '../ports/services';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let c = 0; c < chars; c++) out += ALPHABET[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** 256 bits from the Random port, base64url: the token that goes into an invitation link. */
export function newToken(random: Random): string {
  return base64url(random.bytes(32));
}

/** A new prefixed id (`agt_…`) with 128 random bits. */
export function newId<P extends string>(random: Random, prefix: P): `${P}_${string}` {
  return `${prefix}_${base64url(random.bytes(16))}`;
}

/** Hex SHA-256 through Web Crypto, which Node, browsers, Deno, Bun and edge runtimes all have. */
export async function sha256Hex(text: string): Promise<TokenHash> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex as TokenHash;
}

/** Web Crypto randomness: the default {@link Random}. */
export const webCryptoRandom: Random = {
  bytes(length: number) {
    return crypto.getRandomValues(new Uint8Array(length));
  },
};
