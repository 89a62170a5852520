import type { Request } from 'express';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { tenantIsActive } from '../tenancy/tenants.ts';
import { ConsentRules } from './consent.ts';
import { KeyRing } from './keys.ts';
import { RevocationList } from './revocations.ts';
import { RecordingSmsSender, type SmsSender } from './sms.ts';
import type { UserRow } from './store.ts';
import { TokenIssuer } from './tokens.ts';

const TENANT_CACHE_MS = 30_000;

/** Security events the sign-in and token code reports; the audit log records them. */
export interface AuthEvents {
  login(req: Request, user: UserRow, clientId: string, method: 'password' | 'otp'): Promise<void>;
  loginFailed(req: Request, user: UserRow, clientId: string, method: 'password' | 'otp'): Promise<void>;
  logout(req: Request, user: UserRow): Promise<void>;
  tokenIssued(req: Request, t: { tenantId: string; clientId: string; userId?: string; scope: string; grant: string }): Promise<void>;
}

const logOnly = (logger: Logger): AuthEvents => ({
  login: async (_req, user, clientId, method) => logger.info({ user: user.id, clientId, method }, 'login'),
  loginFailed: async (_req, user, clientId, method) => logger.warn({ user: user.id, clientId, method }, 'login failed'),
  logout: async (_req, user) => logger.info({ user: user.id }, 'logout'),
  tokenIssued: async (_req, t) => logger.info(t, 'token issued'),
});

/** Everything login, OAuth and the bearer check share. One per server process. */
export class AuthService {
  readonly db: Database;
  readonly config: Config;
  readonly logger: Logger;
  readonly keys: KeyRing;
  readonly tokens: TokenIssuer;
  readonly revocations: RevocationList;
  readonly sms: SmsSender;
  readonly consents: ConsentRules;
  events: AuthEvents;
  private readonly tenants = new Map<string, { active: boolean; at: number }>();

  private constructor(db: Database, config: Config, logger: Logger, sms: SmsSender) {
    this.db = db;
    this.config = config;
    this.logger = logger;
    this.keys = new KeyRing(db);
    this.tokens = new TokenIssuer(this.keys, config);
    this.revocations = new RevocationList(db);
    this.sms = sms;
    this.consents = new ConsentRules(db);
    this.events = logOnly(logger);
  }

  static async start(db: Database, config: Config, logger: Logger): Promise<AuthService> {
    const sms = new RecordingSmsSender((m) => logger.info({ to: m.to, text: m.text }, 'SMS (simulator)'));
    const auth = new AuthService(db, config, logger, sms);
    await auth.keys.init();
    await auth.revocations.start();
    return auth;
  }

  stop(): void {
    this.revocations.stop();
  }

  /** Tenant status, cached briefly: a deactivated tenant is locked out within TENANT_CACHE_MS. */
  async tenantActive(tenantId: string): Promise<boolean> {
    const hit = this.tenants.get(tenantId);
    if (hit && Date.now() - hit.at < TENANT_CACHE_MS) return hit.active;
    const active = await tenantIsActive(this.db, tenantId);
    this.tenants.set(tenantId, { active, at: Date.now() });
    return active;
  }
}
