import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/**
 * The consent manager signs each consent artefact (a detached RS256 signature over the JSON of
 * `consentDetail`, base64). We check it against the gateway's published keys before storing an
 * artefact, so a forged grant is never taken for the patient's. The keys are fetched once and again
 * when a signature fails (the gateway may have rotated them), at most every `cooldownMs`.
 */
export class ArtefactSignatures {
  private keys: KeyObject[] = [];
  private fetchedAt = 0;
  private readonly jwksUrl: string;
  private readonly cooldownMs: number;

  constructor(jwksUrl: string, cooldownMs = 30_000) {
    this.jwksUrl = jwksUrl;
    this.cooldownMs = cooldownMs;
  }

  async valid(consentDetail: unknown, signature: unknown): Promise<boolean> {
    if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
    const data = Buffer.from(JSON.stringify(consentDetail));
    const sig = Buffer.from(signature, 'base64');
    const check = () => this.keys.some((k) => verify('sha256', data, k, sig));
    if (this.keys.length && check()) return true;
    if (Date.now() - this.fetchedAt < this.cooldownMs && this.keys.length) return false;
    await this.refresh();
    return check();
  }

  private async refresh(): Promise<void> {
    const res = await fetch(this.jwksUrl, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`the gateway's keys could not be fetched (${res.status})`);
    const body = (await res.json()) as { keys?: Record<string, unknown>[] };
    this.keys = (body.keys ?? [])
      .filter((k) => k.kty === 'RSA')
      .map((k) => createPublicKey({ key: k as unknown as import('node:crypto').JsonWebKey, format: 'jwk' }));
    this.fetchedAt = Date.now();
  }
}
