import { randomBytes } from 'node:crypto';
import { decodeBase64 } from './base64.ts';
import { deriveSymmetricKey, NONCE_BYTES, open, parseNonce, type SymmetricKey, seal } from './cipher.ts';
import { CURVE, sharedSecret } from './curve.ts';
import { encodePrivateKey, encodeRawPublicKey, encodeX509PublicKey, parsePrivateKey, parsePublicKey, publicKeyOf } from './keys.ts';

// Fidelius, ABDM's health-information encryption: ECDH on BouncyCastle's Weierstrass
// curve25519, HKDF-SHA256 salted by the nonces' XOR, AES-256-GCM. See docs/abdm.md.

export { FideliusError, type FideliusErrorCode } from './errors.ts';
export { encodeRawPublicKey, encodeX509PublicKey, parsePrivateKey, parsePublicKey } from './keys.ts';

/** One side's ephemeral key material, in fidelius-cli's `gkm` shape. */
export interface KeyMaterial {
  privateKey: string;
  /** Raw uncompressed point: what an HIU sends in hiRequest.keyMaterial. */
  publicKey: string;
  /** X.509 SPKI: what an HIP sends in the data push keyMaterial. */
  x509PublicKey: string;
  nonce: string;
}

export function generateKeyMaterial(): KeyMaterial {
  const d = randomScalar();
  const Q = publicKeyOf(d);
  return {
    privateKey: encodePrivateKey(d),
    publicKey: encodeRawPublicKey(Q),
    x509PublicKey: encodeX509PublicKey(Q),
    nonce: randomBytes(NONCE_BYTES).toString('base64'),
  };
}

// 48 random bytes reduced mod n−1, plus one: uniform in [1, n) with negligible bias.
function randomScalar(): bigint {
  const wide = BigInt(`0x${randomBytes(48).toString('hex')}`);
  return (wide % (CURVE.n - 1n)) + 1n;
}

/**
 * The symmetric key for one exchange, computed once (the ECDH is the costly part) and used for
 * every entry of a push. Either side can call it: own private key, the peer's public key in
 * either encoding, and both nonces in any order.
 */
export function fideliusKey(ownPrivateKey: string, peerPublicKey: string, ownNonce: string, peerNonce: string): SymmetricKey {
  const d = parsePrivateKey(ownPrivateKey);
  const Q = parsePublicKey(peerPublicKey);
  return deriveSymmetricKey(sharedSecret(d, Q), parseNonce(ownNonce, 'own'), parseNonce(peerNonce, 'peer'));
}

export function encryptWith(key: SymmetricKey, plaintext: string | Uint8Array): string {
  const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  return seal(key, bytes).toString('base64');
}

export function decryptWith(key: SymmetricKey, encryptedData: string): Buffer {
  return open(key, decodeBase64(encryptedData, 'malformed-ciphertext', 'encrypted data'));
}

export interface EncryptInput {
  stringToEncrypt: string | Uint8Array;
  senderNonce: string;
  requesterNonce: string;
  senderPrivateKey: string;
  requesterPublicKey: string;
}

/** The sender (an HIP) encrypts for the requester (the HIU) that sent its key and nonce. */
export function encrypt(input: EncryptInput): string {
  const key = fideliusKey(input.senderPrivateKey, input.requesterPublicKey, input.senderNonce, input.requesterNonce);
  return encryptWith(key, input.stringToEncrypt);
}

export interface DecryptInput {
  encryptedData: string;
  requesterNonce: string;
  senderNonce: string;
  requesterPrivateKey: string;
  senderPublicKey: string;
}

/** The requester (the HIU) decrypts what the sender pushed. Returns the plaintext bytes. */
export function decrypt(input: DecryptInput): Buffer {
  const key = fideliusKey(input.requesterPrivateKey, input.senderPublicKey, input.requesterNonce, input.senderNonce);
  return decryptWith(key, input.encryptedData);
}

export function decryptToString(input: DecryptInput): string {
  return decrypt(input).toString('utf8');
}
