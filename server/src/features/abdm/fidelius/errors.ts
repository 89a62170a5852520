/** Why a Fidelius operation was refused. The message is ours and never quotes key material. */
export type FideliusErrorCode =
  | 'malformed-private-key'
  | 'malformed-public-key'
  | 'malformed-nonce'
  | 'malformed-ciphertext'
  | 'decryption-failed';

export class FideliusError extends Error {
  readonly code: FideliusErrorCode;
  constructor(code: FideliusErrorCode, message: string) {
    super(message);
    this.name = 'FideliusError';
    this.code = code;
  }
}
