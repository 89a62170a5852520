import { decodeBase64 } from './base64.ts';
import { CURVE, type CurvePoint, Point, publicPoint } from './curve.ts';
import { POINT_BYTES, SPKI_BYTES, SPKI_PREFIX, spkiFromPoint } from './der.ts';
import { FideliusError } from './errors.ts';

/**
 * Private keys travel as Java's BigInteger.toByteArray(): signed big-endian, as short as the
 * value allows (so 31 bytes or fewer happen), with a 0x00 in front when the top bit is set.
 */
export function parsePrivateKey(base64: unknown): bigint {
  const bytes = decodeBase64(base64, 'malformed-private-key', 'private key');
  if (bytes.length === 0 || bytes.length > 33) {
    throw new FideliusError('malformed-private-key', 'The private key must be 1 to 33 bytes.');
  }
  if (bytes[0] & 0x80) throw new FideliusError('malformed-private-key', 'The private key is negative.');
  const d = BigInt(`0x${bytes.toString('hex')}`);
  if (d < 1n || d >= CURVE.n) {
    throw new FideliusError('malformed-private-key', 'The private key is outside the range of the curve order.');
  }
  return d;
}

export function encodePrivateKey(d: bigint): string {
  let hex = d.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * Either encoding of a public key: the raw uncompressed point 04‖X‖Y (65 bytes, 88 base64
 * characters) or BouncyCastle's X.509 SPKI with explicit curve parameters (309 bytes). The SPKI
 * must carry exactly this curve's parameters: a key on another curve is refused rather than
 * having its last 65 bytes taken on trust. The point must lie on the curve, in the prime-order
 * subgroup (checked by @noble/curves), so a small-order key cannot leak bits of our scalar.
 */
export function parsePublicKey(base64: unknown): CurvePoint {
  const bytes = decodeBase64(base64, 'malformed-public-key', 'public key');
  let raw: Buffer;
  if (bytes.length === POINT_BYTES) raw = bytes;
  else if (bytes.length === SPKI_BYTES && bytes.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) {
    raw = bytes.subarray(SPKI_PREFIX.length);
  } else {
    throw new FideliusError(
      'malformed-public-key',
      'The public key is neither a 65-byte uncompressed point nor an X.509 key on Curve25519 (Weierstrass form).',
    );
  }
  if (raw[0] !== 0x04) throw new FideliusError('malformed-public-key', 'The public key is not an uncompressed point.');
  try {
    return Point.fromBytes(raw);
  } catch {
    throw new FideliusError('malformed-public-key', 'The public key is not a valid point of the curve.');
  }
}

export function encodeRawPublicKey(point: CurvePoint): string {
  return Buffer.from(point.toBytes(false)).toString('base64');
}

export function encodeX509PublicKey(point: CurvePoint): string {
  return spkiFromPoint(point.toBytes(false)).toString('base64');
}

export function publicKeyOf(d: bigint): CurvePoint {
  return publicPoint(d);
}
