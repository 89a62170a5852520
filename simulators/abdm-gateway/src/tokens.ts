import { KeyObject, randomUUID, sign } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';

export type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>;

/**
 * The gateway's RS256 signing key, published at /gateway/v3/certs. The same key signs the
 * session tokens it hands to bridges and the tokens on the calls it makes to them, as ABDM's
 * identity service does; the `clientId` claim says who the token was issued to.
 */
export class GatewayKeys {
  private key: SigningKey;
  private kid: string;
  private readonly issuer: string;
  private constructor(key: SigningKey, kid: string, issuer: string) {
    this.key = key;
    this.kid = kid;
    this.issuer = issuer;
  }

  static async create(issuer: string): Promise<GatewayKeys> {
    return new GatewayKeys(await generateKeyPair('RS256', { extractable: true }), randomUUID(), issuer);
  }

  /** A new key (tests: tokens signed before the rotation no longer verify). */
  async rotate(): Promise<void> {
    this.key = await generateKeyPair('RS256', { extractable: true });
    this.kid = randomUUID();
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const jwk = await exportJWK(this.key.publicKey);
    return { keys: [{ ...jwk, kid: this.kid, alg: 'RS256', use: 'sig' }] };
  }

  async sign(clientId: string, ttlSeconds: number, extra: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ clientId, azp: clientId, typ: 'Bearer', ...extra })
      .setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(clientId)
      .setAudience('account')
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
  }

  /** A detached RS256 signature (base64), as on a consent artefact. */
  signData(data: string): string {
    return sign('sha256', Buffer.from(data), KeyObject.from(this.key.privateKey as CryptoKey)).toString('base64');
  }

  /** The clientId of a valid session token, or undefined. */
  async verify(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key.publicKey, { issuer: this.issuer, algorithms: ['RS256'] });
      return typeof payload.clientId === 'string' ? payload.clientId : undefined;
    } catch {
      return undefined;
    }
  }
}
