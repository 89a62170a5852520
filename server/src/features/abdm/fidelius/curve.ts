import { weierstrass } from '@noble/curves/abstract/weierstrass.js';

/**
 * BouncyCastle's "curve25519" (CustomNamedCurves): Curve25519 rewritten in short Weierstrass
 * form y² = x³ + ax + b over p = 2^255 − 19. This is what ABDM's Java peers use, not RFC 7748
 * X25519. The values are the ones inside BouncyCastle's X.509 encoding of these keys; the base
 * point is the Montgomery u = 9 point moved by x = u + 486662/3.
 */
export const CURVE = {
  p: 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffedn,
  a: 0x2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa984914a144n,
  b: 0x7b425ed097b425ed097b425ed097b425ed097b425ed097b4260b5e9c7710c864n,
  Gx: 0x2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad245an,
  Gy: 0x20ae19a1b8a086b4e01edd2c7748d14c923d4d7e6d7c61b229e9c5a27eced3d9n,
  n: 0x1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3edn,
  h: 8n,
} as const;

/** Field elements and coordinates are always written as 32 bytes, leading zeros kept. */
export const FIELD_BYTES = 32;

export const Point = weierstrass(CURVE);
export type CurvePoint = InstanceType<typeof Point>;

export function toFixedBytes(value: bigint, length = FIELD_BYTES): Buffer {
  const hex = value.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new RangeError('value does not fit');
  return Buffer.from(hex, 'hex');
}

/** The public point d·G. */
export function publicPoint(d: bigint): CurvePoint {
  return Point.BASE.multiply(d);
}

/**
 * Plain ECDH as BouncyCastle's ECDHBasicAgreement: the x-coordinate of d·Q, 32 bytes big-endian.
 * Q was checked on parsing to lie in the prime-order subgroup, where BouncyCastle's cofactor
 * handling gives the same point.
 */
export function sharedSecret(d: bigint, peer: CurvePoint): Buffer {
  return toFixedBytes(peer.multiply(d).toAffine().x);
}
