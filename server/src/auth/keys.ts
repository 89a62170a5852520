import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Database } from '../db/database.ts';

export const SIGNING_ALG = 'ES256';
// A retired key stays published this long: longer than any token it signed can live.
const RETIRED_KEY_GRACE_MS = 24 * 60 * 60 * 1000;
const RELOAD_INTERVAL_MS = 60_000;

interface KeyRow {
  kid: string;
  alg: string;
  public_jwk: JWK;
  retired_at: Date | string | null;
}

/**
 * The token signing keys, shared by every server process through the signing_key table. The
 * newest unretired key signs; all keys not retired beyond the grace period verify and are
 * published in the JWKS, so a rotation (a new key, the old one retired) needs no downtime.
 */
export class KeyRing {
  private readonly db: Database;
  private signer: { kid: string; key: CryptoKey } | undefined;
  private published: JSONWebKeySet = { keys: [] };
  private verifier: ReturnType<typeof createLocalJWKSet> = createLocalJWKSet({ keys: [] });
  private loadedAt = 0;
  private reloading: Promise<void> | undefined;

  constructor(db: Database) {
    this.db = db;
  }

  /** Loads the keys, creating the first one when the platform has none. */
  async init(): Promise<void> {
    const n = await this.db.asOwner((sql) => sql.query('SELECT 1 FROM signing_key WHERE retired_at IS NULL'));
    if (n.rowCount === 0) await rotateSigningKey(this.db);
    await this.reload();
  }

  async reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        const r = await this.db.transaction(undefined, (sql) =>
          sql.query<KeyRow>(
            'SELECT kid, alg, public_jwk, retired_at FROM signing_key WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC',
            [new Date(Date.now() - RETIRED_KEY_GRACE_MS).toISOString()],
          ),
        );
        const active = r.rows.find((k) => k.retired_at === null);
        if (!active) throw new Error('No active signing key');
        // Only the schema owner may read a private key (migration 0020), and only the new signer's is read:
        // at start-up, and after a rotation, on an owner connection opened for this read (none is held).
        if (this.signer?.kid !== active.kid) {
          const secret = await this.db.asOwner((sql) =>
            sql.query<{ private_jwk: JWK }>('SELECT private_jwk FROM signing_key WHERE kid = $1', [active.kid]),
          );
          this.signer = { kid: active.kid, key: (await importJWK(secret.rows[0].private_jwk, active.alg)) as CryptoKey };
        }
        this.published = { keys: r.rows.map((k) => ({ ...k.public_jwk, kid: k.kid, alg: k.alg, use: 'sig' })) };
        this.verifier = createLocalJWKSet(this.published);
        this.loadedAt = Date.now();
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private async fresh(): Promise<void> {
    if (Date.now() - this.loadedAt > RELOAD_INTERVAL_MS) await this.reload();
  }

  async signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    await this.fresh();
    if (!this.signer) throw new Error('KeyRing not initialised');
    return this.signer;
  }

  async jwks(): Promise<JSONWebKeySet> {
    await this.fresh();
    return this.published;
  }

  /** A key resolver for jose's jwtVerify; an unknown kid triggers one reload (another process may have rotated). */
  async verificationKeys(): Promise<JWTVerifyGetKey> {
    await this.fresh();
    return async (header, token) => {
      try {
        return await this.verifier(header, token);
      } catch (err) {
        if (!header?.kid || this.published.keys.some((k) => k.kid === header.kid)) throw err;
        await this.reload();
        return this.verifier(header, token);
      }
    };
  }
}

/** Adds a new signing key and retires the current one (admin command `rotate-keys`). */
export async function rotateSigningKey(db: Database): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = randomUUID();
  const [priv, pub] = await Promise.all([exportJWK(privateKey), exportJWK(publicKey)]);
  await db.asOwner(async (sql) => {
    await sql.exec('BEGIN');
    try {
      await sql.query('UPDATE signing_key SET retired_at = now() WHERE retired_at IS NULL');
      await sql.query('INSERT INTO signing_key (kid, alg, private_jwk, public_jwk) VALUES ($1, $2, $3, $4)', [kid, SIGNING_ALG, priv, pub]);
      await sql.exec('COMMIT');
    } catch (err) {
      await sql.exec('ROLLBACK');
      throw err;
    }
  });
  return kid;
}
