import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { decodeBase64 } from './base64.ts';
import { FideliusError } from './errors.ts';

export const NONCE_BYTES = 32;
const SALT_BYTES = 20;
const TAG_BYTES = 16;

export function parseNonce(base64: unknown, whose: string): Buffer {
  const bytes = decodeBase64(base64, 'malformed-nonce', `${whose} nonce`);
  if (bytes.length !== NONCE_BYTES) throw new FideliusError('malformed-nonce', `The ${whose} nonce must be 32 bytes.`);
  return bytes;
}

export interface SymmetricKey {
  key: Buffer;
  iv: Buffer;
}

/**
 * The two nonces XORed (so their order does not matter): the first 20 bytes salt HKDF-SHA256
 * over the shared secret (no info, 32-byte output), the last 12 are the GCM IV.
 */
export function deriveSymmetricKey(shared: Buffer, nonceA: Buffer, nonceB: Buffer): SymmetricKey {
  const xor = Buffer.alloc(NONCE_BYTES);
  for (let i = 0; i < NONCE_BYTES; i++) xor[i] = nonceA[i] ^ nonceB[i];
  const key = Buffer.from(hkdfSync('sha256', shared, xor.subarray(0, SALT_BYTES), Buffer.alloc(0), 32));
  return { key, iv: xor.subarray(SALT_BYTES) };
}

/** AES-256-GCM, no AAD; the 16-byte tag appended as BouncyCastle's GCMBlockCipher does. */
export function seal({ key, iv }: SymmetricKey, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([body, tail, cipher.getAuthTag()]);
}

/** The tag is always checked: a flipped bit anywhere refuses the whole entry. */
export function open({ key, iv }: SymmetricKey, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) {
    throw new FideliusError('malformed-ciphertext', 'The encrypted data is shorter than its authentication tag.');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([body, decipher.final()]);
  } catch {
    throw new FideliusError(
      'decryption-failed',
      'The encrypted data failed its integrity check: wrong keys or nonces, or the data was altered.',
    );
  }
}
