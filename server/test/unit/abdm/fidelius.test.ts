import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveSymmetricKey } from '../../../src/features/abdm/fidelius/cipher.ts';
import { publicPoint, sharedSecret } from '../../../src/features/abdm/fidelius/curve.ts';
import {
  decrypt,
  decryptToString,
  decryptWith,
  encodeRawPublicKey,
  encodeX509PublicKey,
  encrypt,
  FideliusError,
  fideliusKey,
  generateKeyMaterial,
  parsePrivateKey,
  parsePublicKey,
} from '../../../src/features/abdm/fidelius/index.ts';
import { encodePrivateKey } from '../../../src/features/abdm/fidelius/keys.ts';
import { G, multiply, pointFromRaw, rawFromPoint } from './reference-curve.ts';

interface Vector {
  id: number;
  senderPrivateKey: string;
  senderPublicKeyRaw: string;
  senderPublicKeyX509: string;
  senderNonce: string;
  receiverPrivateKey: string;
  receiverPublicKeyRaw: string;
  receiverPublicKeyX509: string;
  receiverNonce: string;
  sharedSecretHex: string;
  aesKeyHex: string;
  ivHex: string;
  plaintextUtf8Bytes: number;
  plaintext: string;
  encryptedData: string;
}
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8'));
const vectors: Vector[] = fixture('fidelius-vectors.json').vectors;
const readme = fixture('fidelius-cli-readme-vector.json');

const b64 = (s: string) => Buffer.from(s, 'base64');
const refused = (fn: () => unknown, code: string) => {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FideliusError);
  expect((caught as FideliusError).code).toBe(code);
};

describe('Fidelius: BouncyCastle vectors, byte for byte', () => {
  it('has the vectors it expects', () => expect(vectors.map((v) => v.id)).toEqual([1, 2, 3]));

  for (const v of vectors) {
    describe(`vector ${v.id} (${v.plaintextUtf8Bytes} bytes)`, () => {
      it('derives both public keys from the signed big-endian private keys, in both encodings', () => {
        for (const [priv, raw, x509] of [
          [v.senderPrivateKey, v.senderPublicKeyRaw, v.senderPublicKeyX509],
          [v.receiverPrivateKey, v.receiverPublicKeyRaw, v.receiverPublicKeyX509],
        ]) {
          const Q = publicPoint(parsePrivateKey(priv));
          expect(encodeRawPublicKey(Q)).toBe(raw);
          expect(encodeX509PublicKey(Q)).toBe(x509);
          expect(raw).toHaveLength(88);
          expect(x509).toHaveLength(412);
          expect(encodePrivateKey(parsePrivateKey(priv))).toBe(priv);
        }
      });

      it('computes the same shared secret, AES key and IV from either side and either key encoding', () => {
        const senderD = parsePrivateKey(v.senderPrivateKey);
        const receiverD = parsePrivateKey(v.receiverPrivateKey);
        for (const peer of [v.receiverPublicKeyRaw, v.receiverPublicKeyX509]) {
          expect(sharedSecret(senderD, parsePublicKey(peer)).toString('hex')).toBe(v.sharedSecretHex);
        }
        for (const peer of [v.senderPublicKeyRaw, v.senderPublicKeyX509]) {
          expect(sharedSecret(receiverD, parsePublicKey(peer)).toString('hex')).toBe(v.sharedSecretHex);
        }
        const k = deriveSymmetricKey(Buffer.from(v.sharedSecretHex, 'hex'), b64(v.senderNonce), b64(v.receiverNonce));
        expect(k.key.toString('hex')).toBe(v.aesKeyHex);
        expect(k.iv.toString('hex')).toBe(v.ivHex);
        // the nonces' order does not matter
        expect(fideliusKey(v.receiverPrivateKey, v.senderPublicKeyX509, v.receiverNonce, v.senderNonce)).toEqual(
          fideliusKey(v.senderPrivateKey, v.receiverPublicKeyRaw, v.senderNonce, v.receiverNonce),
        );
      });

      it('decrypts to the plaintext with the sender key as X.509 (as an HIP sends it) and as a raw point', () => {
        for (const senderPublicKey of [v.senderPublicKeyX509, v.senderPublicKeyRaw]) {
          const out = decrypt({
            encryptedData: v.encryptedData,
            requesterNonce: v.receiverNonce,
            senderNonce: v.senderNonce,
            requesterPrivateKey: v.receiverPrivateKey,
            senderPublicKey,
          });
          expect(out.length).toBe(v.plaintextUtf8Bytes);
          expect(out.toString('utf8')).toBe(v.plaintext);
        }
      });

      it('re-encrypts to exactly the published ciphertext', () => {
        for (const requesterPublicKey of [v.receiverPublicKeyRaw, v.receiverPublicKeyX509]) {
          expect(
            encrypt({
              stringToEncrypt: v.plaintext,
              senderNonce: v.senderNonce,
              requesterNonce: v.receiverNonce,
              senderPrivateKey: v.senderPrivateKey,
              requesterPublicKey,
            }),
          ).toBe(v.encryptedData);
        }
      });

      it('refuses the ciphertext with any single bit flipped (the GCM tag is checked)', () => {
        const key = fideliusKey(v.receiverPrivateKey, v.senderPublicKeyX509, v.receiverNonce, v.senderNonce);
        const sealed = b64(v.encryptedData);
        const bits = sealed.length * 8;
        // every bit of the short vectors; every 37th of the long one, always including the tag
        const step = bits > 2000 ? 37 : 1;
        const positions = new Set<number>();
        for (let bit = 0; bit < bits; bit += step) positions.add(bit);
        for (let bit = bits - 128; bit < bits; bit++) positions.add(bit);
        for (const bit of positions) {
          const altered = Buffer.from(sealed);
          altered[bit >> 3] ^= 1 << (bit & 7);
          refused(() => decryptWith(key, altered.toString('base64')), 'decryption-failed');
        }
      });
    });
  }

  it('matches the example published with fidelius-cli (its sender X has a leading zero byte)', () => {
    expect(b64(readme.senderPublicKey)[1]).toBe(0);
    expect(encodeRawPublicKey(publicPoint(parsePrivateKey(readme.senderPrivateKey)))).toBe(readme.senderPublicKey);
    expect(encodeRawPublicKey(publicPoint(parsePrivateKey(readme.requesterPrivateKey)))).toBe(readme.requesterPublicKey);
    expect(sharedSecret(parsePrivateKey(readme.requesterPrivateKey), parsePublicKey(readme.senderPublicKey)).toString('hex')).toBe(
      readme.sharedSecretHex,
    );
    expect(decryptToString({ ...readme, encryptedData: readme.encryptedData })).toBe(readme.plaintext);
    expect(encrypt({ ...readme, stringToEncrypt: readme.plaintext })).toBe(readme.encryptedData);
  });
});

describe('Fidelius: edge cases', () => {
  // Deterministic scalars, so a failure can be replayed.
  const scalar = (i: number) => BigInt(`0x${hkdfSyncHex(`scalar ${i}`)}`) % 2n ** 250n;
  function hkdfSyncHex(label: string): string {
    return Buffer.from(hkdfSync('sha256', Buffer.from(label), Buffer.alloc(0), Buffer.alloc(0), 32)).toString('hex');
  }
  const nonceA = Buffer.alloc(32, 0x5a).toString('base64');
  const nonceB = Buffer.alloc(32, 0xa7).toString('base64');

  it('agrees with an independent BigInt implementation of the curve on fresh keys', () => {
    for (let i = 0; i < 3; i++) {
      const km = generateKeyMaterial();
      const d = parsePrivateKey(km.privateKey);
      expect(rawFromPoint(multiply(d, G)!).toString('base64')).toBe(km.publicKey);
      expect(b64(km.x509PublicKey).subarray(-65).toString('base64')).toBe(km.publicKey);
      const peer = scalar(i) + 1n;
      const ref = multiply(d, multiply(peer, G))!;
      expect(sharedSecret(d, publicPoint(peer)).toString('hex')).toBe(ref.x.toString(16).padStart(64, '0'));
    }
  });

  it('keeps a shared secret with a leading zero byte at 32 bytes (the HKDF input would differ otherwise)', () => {
    const d = scalar(1000);
    let found: { peer: bigint; shared: Buffer } | undefined;
    for (let i = 0; i < 5000 && !found; i++) {
      const peer = scalar(i) + 1n;
      const shared = sharedSecret(d, publicPoint(peer));
      if (shared[0] === 0) found = { peer, shared };
    }
    if (!found) throw new Error('no shared secret with a leading zero byte in 5000 tries');
    expect(found.shared).toHaveLength(32);
    const ref = multiply(d, multiply(found.peer, G))!;
    expect(found.shared.toString('hex')).toBe(ref.x.toString(16).padStart(64, '0'));
    const padded = Buffer.from(hkdfSync('sha256', found.shared, Buffer.alloc(20), Buffer.alloc(0), 32));
    const stripped = Buffer.from(hkdfSync('sha256', found.shared.subarray(1), Buffer.alloc(20), Buffer.alloc(0), 32));
    expect(padded.equals(stripped)).toBe(false);
    // and the two sides still agree end to end
    const dA = encodePrivateKey(d);
    const dB = encodePrivateKey(found.peer);
    const sealed = encrypt({
      stringToEncrypt: 'शून्य से शुरू',
      senderNonce: nonceA,
      requesterNonce: nonceB,
      senderPrivateKey: dA,
      requesterPublicKey: encodeRawPublicKey(publicPoint(found.peer)),
    });
    expect(
      decryptToString({
        encryptedData: sealed,
        requesterNonce: nonceB,
        senderNonce: nonceA,
        requesterPrivateKey: dB,
        senderPublicKey: encodeX509PublicKey(publicPoint(d)),
      }),
    ).toBe('शून्य से शुरू');
  });

  it('writes and reads public keys whose X or Y coordinate starts with a zero byte', () => {
    let seen = 0;
    for (let i = 0; i < 5000 && seen < 2; i++) {
      const d = scalar(i) + 1n;
      const Q = publicPoint(d);
      const raw = b64(encodeRawPublicKey(Q));
      if (raw[1] !== 0 && raw[33] !== 0) continue;
      seen++;
      expect(raw).toHaveLength(65);
      expect(raw.equals(rawFromPoint(multiply(d, G)!))).toBe(true);
      expect(parsePublicKey(encodeX509PublicKey(Q)).equals(Q)).toBe(true);
      expect(pointFromRaw(raw)).toEqual(multiply(d, G));
    }
    expect(seen).toBe(2);
  });

  it('accepts a 31-byte private key, and the same key with a redundant sign byte', () => {
    const d = BigInt(`0x7f${'c3'.repeat(30)}`); // 31 bytes, top bit clear
    const short = encodePrivateKey(d);
    expect(b64(short)).toHaveLength(31);
    const padded = Buffer.concat([Buffer.alloc(2), b64(short)]).toString('base64'); // 33 bytes
    expect(parsePrivateKey(padded)).toBe(d);
    const peer = generateKeyMaterial();
    const sealed = encrypt({
      stringToEncrypt: 'thirty-one',
      senderNonce: nonceA,
      requesterNonce: peer.nonce,
      senderPrivateKey: short,
      requesterPublicKey: peer.publicKey,
    });
    const ref = multiply(d, G)!;
    expect(
      decryptToString({
        encryptedData: sealed,
        requesterNonce: peer.nonce,
        senderNonce: nonceA,
        requesterPrivateKey: peer.privateKey,
        senderPublicKey: rawFromPoint(ref).toString('base64'),
      }),
    ).toBe('thirty-one');
  });

  it('round-trips a payload of several megabytes and refuses it with its last byte changed', () => {
    const hip = generateKeyMaterial();
    const hiu = generateKeyMaterial();
    const big = JSON.stringify({ resourceType: 'Bundle', pad: 'रोगी का विवरण '.repeat(180_000) });
    expect(Buffer.byteLength(big)).toBeGreaterThan(6_000_000);
    const sealed = encrypt({
      stringToEncrypt: big,
      senderNonce: hip.nonce,
      requesterNonce: hiu.nonce,
      senderPrivateKey: hip.privateKey,
      requesterPublicKey: hiu.publicKey,
    });
    const input = {
      encryptedData: sealed,
      requesterNonce: hiu.nonce,
      senderNonce: hip.nonce,
      requesterPrivateKey: hiu.privateKey,
      senderPublicKey: hip.x509PublicKey,
    };
    expect(decryptToString(input) === big).toBe(true);
    const altered = b64(sealed);
    altered[altered.length - 1] ^= 0x01;
    refused(() => decrypt({ ...input, encryptedData: altered.toString('base64') }), 'decryption-failed');
  });

  it('refuses a wrong nonce or key rather than returning garbage', () => {
    const v = vectors[0];
    const input = {
      encryptedData: v.encryptedData,
      requesterNonce: v.receiverNonce,
      senderNonce: v.senderNonce,
      requesterPrivateKey: v.receiverPrivateKey,
      senderPublicKey: v.senderPublicKeyRaw,
    };
    refused(() => decrypt({ ...input, senderNonce: v.receiverNonce }), 'decryption-failed');
    refused(() => decrypt({ ...input, senderPublicKey: v.receiverPublicKeyRaw }), 'decryption-failed');
    refused(() => decrypt({ ...input, encryptedData: 'AAAA' }), 'malformed-ciphertext');
    refused(() => decrypt({ ...input, encryptedData: 'not base64!' }), 'malformed-ciphertext');
    refused(() => decrypt({ ...input, senderNonce: Buffer.alloc(31).toString('base64') }), 'malformed-nonce');
  });

  it('refuses malformed public keys with its own error', () => {
    const raw = b64(vectors[0].senderPublicKeyRaw);
    const x509 = b64(vectors[0].senderPublicKeyX509);
    const cases: Array<[string, unknown]> = [
      ['not base64', 'BEcSwqg/g7BBwhQ1a4lwCv6M0YxxV0wHi8nqKg1gZAzm!!!'],
      ['not a string', 42],
      ['64 bytes', raw.subarray(1).toString('base64')],
      ['compressed prefix', Buffer.concat([Buffer.from([2]), raw.subarray(1)]).toString('base64')],
      ['off the curve', Buffer.concat([raw.subarray(0, 64), Buffer.from([raw[64] ^ 1])]).toString('base64')],
      ['coordinate ≥ p', Buffer.concat([Buffer.from([4]), Buffer.alloc(32, 0xff), raw.subarray(33)]).toString('base64')],
      ['the point at infinity', Buffer.concat([Buffer.from([4]), Buffer.alloc(64)]).toString('base64')],
      // (A/3, 0) is the Weierstrass image of Montgomery u = 0, a point of order 2
      [
        'a small-order point',
        Buffer.concat([
          Buffer.from([4]),
          Buffer.from('2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad2451', 'hex'),
          Buffer.alloc(32),
        ]).toString('base64'),
      ],
      [
        'X.509 with other curve parameters',
        Buffer.concat([x509.subarray(0, 60), Buffer.from([x509[60] ^ 1]), x509.subarray(61)]).toString('base64'),
      ],
      ['X.509 cut short', x509.subarray(0, 300).toString('base64')],
    ];
    for (const [label, key] of cases) {
      try {
        parsePublicKey(key);
        throw new Error(`accepted ${label}`);
      } catch (err) {
        expect(err, label).toBeInstanceOf(FideliusError);
        expect((err as FideliusError).code, label).toBe('malformed-public-key');
      }
    }
  });

  it('refuses malformed private keys with its own error', () => {
    const n = BigInt('0x1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed');
    for (const key of [
      '',
      'AA==',
      Buffer.from([0x80, 1, 2]).toString('base64'), // negative
      encodePrivateKey(n),
      Buffer.alloc(34, 1).toString('base64'),
      'abc',
      null,
    ]) {
      refused(() => parsePrivateKey(key), 'malformed-private-key');
    }
  });
});
