import { FideliusError, type FideliusErrorCode } from './errors.ts';

const OUTSIDE_ALPHABET = /[^A-Za-z0-9+/=]/;

/**
 * Standard base64 with padding, as Java's Base64 encoder writes it. Buffer.from(…, 'base64')
 * alone skips invalid characters silently, so a garbled key would decode to other bytes.
 * Whitespace (a key pasted across lines) is dropped first. Checked without a backtracking
 * pattern: a data push entry can be many megabytes.
 */
export function decodeBase64(value: unknown, code: FideliusErrorCode, what: string): Buffer {
  if (typeof value !== 'string') throw new FideliusError(code, `The ${what} must be a base64 string.`);
  const compact = /\s/.test(value) ? value.replace(/\s+/g, '') : value;
  const pad = compact.indexOf('=');
  const valid =
    compact.length % 4 === 0 &&
    !OUTSIDE_ALPHABET.test(compact) &&
    (pad === -1 || (pad >= compact.length - 2 && /^=+$/.test(compact.slice(pad))));
  if (!valid) throw new FideliusError(code, `The ${what} is not valid base64.`);
  return Buffer.from(compact, 'base64');
}
