import { CURVE, FIELD_BYTES, Point, toFixedBytes } from './curve.ts';

// Just enough DER to write BouncyCastle's X.509 SubjectPublicKeyInfo for this curve: the
// algorithm is id-ecPublicKey with the curve given by explicit ECParameters (there is no
// registered OID for the Weierstrass form), so the encoding is long but fixed up to the point.

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const octets = (b: Buffer) => tlv(0x04, b);
function integer(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let body = Buffer.from(hex, 'hex');
  if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(0x02, body);
}
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

const ecParameters = sequence(
  integer(1n),
  sequence(oid('1.2.840.10045.1.1'), integer(CURVE.p)), // prime-field
  sequence(octets(toFixedBytes(CURVE.a)), octets(toFixedBytes(CURVE.b))),
  octets(Buffer.from(Point.BASE.toBytes(false))),
  integer(CURVE.n),
  integer(CURVE.h),
);
const algorithm = sequence(oid('1.2.840.10045.2.1'), ecParameters); // id-ecPublicKey

const POINT_BYTES = 1 + 2 * FIELD_BYTES;
const spkiTemplate = sequence(algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), Buffer.alloc(POINT_BYTES)])));

/** Everything in the SPKI before the 65-byte point (244 bytes). */
export const SPKI_PREFIX = spkiTemplate.subarray(0, spkiTemplate.length - POINT_BYTES);
export const SPKI_BYTES = spkiTemplate.length;
export { POINT_BYTES };

export function spkiFromPoint(uncompressed: Uint8Array): Buffer {
  return Buffer.concat([SPKI_PREFIX, uncompressed]);
}
