import { createHash, randomBytes } from 'node:crypto';

/** A URL-safe random string with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Lookup hash for high-entropy secrets (codes, refresh tokens, client secrets). */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
