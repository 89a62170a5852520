// A deliberately naive BigInt implementation of the same curve (affine double-and-add), used
// only by the tests to check @noble/curves' results by an independent route.
import { CURVE } from '../../../src/features/abdm/fidelius/curve.ts';

const { p, a } = CURVE;
const mod = (x: bigint) => ((x % p) + p) % p;
function inv(x: bigint): bigint {
  let [r0, r1, s0, s1]: bigint[] = [mod(x), p, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0);
}
type Affine = { x: bigint; y: bigint } | null;
function add(P: Affine, Q: Affine): Affine {
  if (!P) return Q;
  if (!Q) return P;
  if (P.x === Q.x && mod(P.y + Q.y) === 0n) return null;
  const l = P.x === Q.x ? mod((3n * P.x * P.x + a) * inv(2n * P.y)) : mod((Q.y - P.y) * inv(Q.x - P.x));
  const x = mod(l * l - P.x - Q.x);
  return { x, y: mod(l * (P.x - x) - P.y) };
}
export function multiply(k: bigint, P: Affine): Affine {
  let R: Affine = null;
  for (let bit = BigInt(k.toString(2).length) - 1n; bit >= 0n; bit--) {
    R = add(R, R);
    if ((k >> bit) & 1n) R = add(R, P);
  }
  return R;
}
export const G = { x: CURVE.Gx, y: CURVE.Gy };
export function pointFromRaw(raw: Buffer): { x: bigint; y: bigint } {
  return { x: BigInt(`0x${raw.subarray(1, 33).toString('hex')}`), y: BigInt(`0x${raw.subarray(33).toString('hex')}`) };
}
export function rawFromPoint(P: { x: bigint; y: bigint }): Buffer {
  const hex = (v: bigint) => v.toString(16).padStart(64, '0');
  return Buffer.from(`04${hex(P.x)}${hex(P.y)}`, 'hex');
}
