import { randomUUID } from 'node:crypto';
import express from 'express';
import { z } from 'zod';
import { writeAudit } from '../audit/log.ts';
import { checkOtp, startOtp } from './otp.ts';
import type { AuthService } from './service.ts';
import { findUserByLogin, updateUser } from './store.ts';

const requestSchema = z.object({ login: z.string().min(3).max(200) });
const confirmSchema = z.object({
  challenge: z.string().max(100),
  code: z.string().regex(/^\d{6}$/),
  password: z.string().min(10).max(200),
});

/**
 * Password reset by OTP: the code goes to the account's registered mobile; a correct code sets
 * the new password and clears any lockout. Answers look the same whether or not the login exists.
 */
export function resetRoutes(auth: AuthService): express.Router {
  const r = express.Router();
  r.use(express.json({ limit: '8kb' }));
  r.post('/password-reset', async (req, res, next) => {
    try {
      const parsed = requestSchema.safeParse(req.body);
      if (!parsed.success) return void res.status(400).json({ error: 'invalid_request', error_description: 'login is required' });
      const user = await findUserByLogin(auth.db, parsed.data.login);
      let challenge = `${user?.tenant_id ?? randomUUID()}.${randomUUID()}`;
      if (user?.active && user.phone) challenge = await startOtp(auth, user, 'reset');
      res.status(202).json({ challenge, sentTo: 'the mobile number on the account, if there is one' });
    } catch (err) {
      next(err);
    }
  });
  r.post('/password-reset/confirm', async (req, res, next) => {
    try {
      const parsed = confirmSchema.safeParse(req.body);
      if (!parsed.success) {
        return void res.status(400).json({
          error: 'invalid_request',
          error_description: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        });
      }
      const user = await checkOtp(auth, parsed.data.challenge, parsed.data.code, 'reset');
      if (!user?.active)
        return void res.status(400).json({ error: 'invalid_grant', error_description: 'The code is wrong or has expired' });
      await updateUser(auth.db, user.tenant_id, user.id, { password: parsed.data.password });
      await writeAudit(auth.db, {
        tenantId: user.tenant_id,
        userId: user.id,
        ip: req.ip,
        userAgent: req.get('user-agent'),
        kind: 'operation',
        detail: 'password_change via OTP',
      });
      res.status(204).end();
    } catch (err) {
      next(err);
    }
  });
  return r;
}
