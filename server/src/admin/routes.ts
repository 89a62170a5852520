import { badRequest, isUUID, normalizeErrorString, OperationOutcomeError } from '@medplum/core';
import type { Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { readAnchors } from '../audit/anchor.ts';
import { writeAudit } from '../audit/log.ts';
import type { Sealer } from '../audit/sealer.ts';
import { verifyAuditChain } from '../audit/verify.ts';
import { bearerAuth, type RequestAuth } from '../auth/bearer.ts';
import type { ClientLimits } from '../auth/client-limits.ts';
import { hashPassword } from '../auth/passwords.ts';
import { DEFAULT_POLICIES, ROLES, type Role } from '../auth/policies.ts';
import { randomToken } from '../auth/random.ts';
import type { AuthService } from '../auth/service.ts';
import { getUser, insertUser, listUsers, type UserRow, updateUser, userSummary } from '../auth/store.ts';
import { assertStoredResourceType } from '../fhir/definitions.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { forbiddenOutcome, outcome, toOutcome } from '../http/outcomes.ts';
import { listConsents, revokeConsent } from '../oauth/consents.ts';
import { erasePatient, RetentionError } from '../privacy/erasure.ts';
import { type AuditContext, PostgresRepository } from '../repo/postgres-repository.ts';
import { conformance } from '../validation/conformance.ts';
import type { ProfileRequirements } from '../validation/requirements.ts';

/**
 * The tenant admin API: read the access policies, invite staff (Practitioner + PractitionerRole +
 * login, in one transaction), change roles and branches, deactivate, verify the audit chain.
 * Branches and Locations are plain FHIR (Organization partOf the chain) on the FHIR API.
 * Allowed to super_admin (all branches), branch_admin (staff of their own branches) and system
 * clients with system/*.cruds. Every change is audited.
 */
const ROLE_CODES = 'https://hospital-ops.in/fhir/CodeSystem/staff-role';

const inviteSchema = z
  .object({
    name: z.string().min(1).max(200),
    email: z.email().optional(),
    phone: z.string().min(10).max(20).optional(),
    role: z.enum(ROLES),
    branchIds: z.array(z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/)).default([]),
    qualification: z.string().max(200).optional(),
    /** Medical council registration, e.g. "MMC 2011/04/1234". */
    registration: z.string().max(100).optional(),
  })
  .refine((v) => v.email || v.phone, { message: 'email or phone is required' });

const changeSchema = z
  .object({ role: z.enum(ROLES).optional(), branchIds: z.array(z.string()).optional(), active: z.boolean().optional() })
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });

export interface Admin {
  who: RequestAuth;
  /** Branches this admin manages; undefined = all. */
  branches?: string[];
}

export function adminOf(res: Response): Admin {
  const who = res.locals.auth as RequestAuth;
  const system =
    !who.principal.userId && who.principal.scopes.some((s) => s.context === 'system' && s.resourceType === '*' && s.permissions.size === 5);
  if (who.principal.role === 'super_admin' || system) return { who };
  if (who.principal.role === 'branch_admin') return { who, branches: who.principal.branchIds };
  throw new OperationOutcomeError(forbiddenOutcome('Tenant administration needs super_admin or branch_admin'));
}

function assertManages(admin: Admin, branchIds: string[], role?: Role): void {
  if (!admin.branches) return;
  const outside = branchIds.filter((b) => !admin.branches?.includes(b));
  if (outside.length || branchIds.length === 0 || role === 'super_admin' || role === 'branch_admin') {
    throw new OperationOutcomeError(forbiddenOutcome('A branch admin manages clinical and front-office staff of their own branches only'));
  }
}

/** Who did an administrative act, from where: the context every admin route's audit entry starts from. */
export function adminAuditContext(req: Request, admin: Admin): AuditContext {
  return {
    tenantId: admin.who.tenant.tenantId,
    userId: admin.who.principal.userId,
    fhirUser: admin.who.token.fhirUser,
    clientId: admin.who.principal.clientId,
    ip: req.ip,
    userAgent: req.get('user-agent'),
    requestId: req.res?.locals.requestId,
  };
}

/** Tenant-wide settings: super_admin or the system client, never a branch admin (also jobs/admin-routes.ts). */
export function superAdminOf(res: Response, refusal: string): Admin {
  const admin = adminOf(res);
  if (admin.branches) throw new OperationOutcomeError(forbiddenOutcome(refusal));
  return admin;
}

const requirementSchema = z.object({ profiles: z.array(z.url()).max(20) });
const erasureSchema = z.object({ reason: z.string().trim().min(3).max(500) });
const rateLimitSchema = z.object({ perMinute: z.number().int().min(0).max(1_000_000).nullable() });

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

export function adminRoutes(
  auth: AuthService,
  sealer: Sealer,
  requirements: ProfileRequirements,
  clientLimits: ClientLimits,
): express.Router {
  const r = express.Router();
  r.use(express.json({ limit: '64kb' }), bearerAuth(auth));

  const audit = (req: Request, admin: Admin, detail: string, resource?: string) =>
    writeAudit(auth.db, {
      ...adminAuditContext(req, admin),
      kind: 'operation',
      resource,
      detail,
    });

  r.get(
    '/access-policies',
    wrap(async (_req, res) => {
      adminOf(res);
      res.json({ roles: Object.values(DEFAULT_POLICIES) });
    }),
  );

  r.get(
    '/staff',
    wrap(async (_req, res) => {
      const admin = adminOf(res);
      const users = await listUsers(auth.db, admin.who.tenant.tenantId);
      const visible = admin.branches ? users.filter((u) => u.branch_ids.some((b) => admin.branches?.includes(b))) : users;
      res.json({ staff: visible.map(userSummary) });
    }),
  );

  r.post(
    '/staff',
    wrap(async (req, res) => {
      const admin = adminOf(res);
      const parsed = inviteSchema.safeParse(req.body);
      if (!parsed.success)
        throw new OperationOutcomeError(badRequest(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
      const v = parsed.data;
      assertManages(admin, v.branchIds, v.role);
      // The first password is random and shown once; the person sets their own via OTP reset.
      const password = randomToken(12);
      const hash = await hashPassword(password);
      const tenant = admin.who.tenant;
      const repo = new PostgresRepository({ db: auth.db, tenant, baseUrl: auth.config.baseUrl, updateCreate: false });
      const { user, practitioner } = await repo.withTransaction(
        async (tx): Promise<{ user: UserRow; practitioner: Practitioner & { id: string } }> => {
          const practitioner = await tx.createResource<Practitioner>({
            resourceType: 'Practitioner',
            active: true,
            name: [{ text: v.name }],
            telecom: [
              ...(v.phone ? [{ system: 'phone' as const, value: v.phone, use: 'work' as const }] : []),
              ...(v.email ? [{ system: 'email' as const, value: v.email, use: 'work' as const }] : []),
            ],
            qualification: v.qualification ? [{ code: { text: v.qualification } }] : undefined,
            identifier: v.registration ? [{ type: { text: 'Medical council registration' }, value: v.registration }] : undefined,
          });
          for (const branch of v.branchIds.length ? v.branchIds : [undefined]) {
            await tx.createResource<PractitionerRole>({
              resourceType: 'PractitionerRole',
              active: true,
              practitioner: { reference: `Practitioner/${practitioner.id}` },
              organization: branch ? { reference: `Organization/${branch}` } : undefined,
              code: [{ coding: [{ system: ROLE_CODES, code: v.role }] }],
            });
          }
          const user = await tx.query((sql) => insertUser(sql, tenant.tenantId, { ...v, practitionerId: practitioner.id }, hash));
          return { user, practitioner };
        },
        { serializable: false, resourceTypes: ['Practitioner', 'PractitionerRole'] },
      );
      await audit(req, admin, `staff.invite role=${v.role}`, `Practitioner/${practitioner.id}`);
      res.status(201).json({ ...userSummary(user), temporaryPassword: password });
    }),
  );

  r.patch(
    '/staff/:id',
    wrap(async (req, res) => {
      const admin = adminOf(res);
      const parsed = changeSchema.safeParse(req.body);
      if (!parsed.success)
        throw new OperationOutcomeError(badRequest(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
      const id = String(req.params.id);
      const current = isUUID(id) ? await getUser(auth.db, admin.who.tenant.tenantId, id) : undefined;
      if (!current) return sendFhir(res, 404, outcome('not-found', 'not-found', 'No such staff member'));
      assertManages(admin, current.branch_ids, current.role);
      if (parsed.data.branchIds || parsed.data.role) assertManages(admin, parsed.data.branchIds ?? current.branch_ids, parsed.data.role);
      const updated = await updateUser(auth.db, admin.who.tenant.tenantId, id, parsed.data);
      // This process stops the user's old tokens now; the others within their next poll.
      await auth.revocations.refresh();
      const what = [
        parsed.data.role && parsed.data.role !== current.role ? `role_change ${current.role}->${parsed.data.role}` : '',
        parsed.data.branchIds ? `branches=${parsed.data.branchIds.join(',')}` : '',
        parsed.data.active === false ? 'deactivate' : parsed.data.active === true ? 'activate' : '',
      ].filter(Boolean);
      await audit(
        req,
        admin,
        `staff.update ${what.join(' ')}`,
        current.practitioner_id ? `Practitioner/${current.practitioner_id}` : undefined,
      );
      res.json(userSummary(updated as UserRow));
    }),
  );

  // A staff member's remembered consents to third-party apps; revoking one makes the app ask again.
  const staffMember = async (admin: Admin, id: string) => {
    const user = isUUID(id) ? await getUser(auth.db, admin.who.tenant.tenantId, id) : undefined;
    if (user) assertManages(admin, user.branch_ids, user.role);
    return user;
  };

  r.get(
    '/staff/:id/app-consents',
    wrap(async (req, res) => {
      const admin = adminOf(res);
      const user = await staffMember(admin, String(req.params.id));
      if (!user) return sendFhir(res, 404, outcome('not-found', 'not-found', 'No such staff member'));
      res.json({ consents: await listConsents(auth.db, user.tenant_id, user.id) });
    }),
  );

  r.delete(
    '/staff/:id/app-consents/:client',
    wrap(async (req, res) => {
      const admin = adminOf(res);
      const user = await staffMember(admin, String(req.params.id));
      if (!user) return sendFhir(res, 404, outcome('not-found', 'not-found', 'No such staff member'));
      const client = String(req.params.client);
      if (!(await revokeConsent(auth.db, user.tenant_id, user.id, client))) {
        return sendFhir(res, 404, outcome('not-found', 'not-found', 'This staff member has not allowed that app'));
      }
      await audit(req, admin, `consent.revoke client=${client}`, user.practitioner_id ? `Practitioner/${user.practitioner_id}` : undefined);
      res.status(204).end();
    }),
  );

  r.get(
    '/profile-requirements',
    wrap(async (_req, res) => {
      const admin = adminOf(res);
      res.json({ default: auth.config.PROFILE_ENFORCEMENT, requirements: await requirements.list(admin.who.tenant.tenantId) });
    }),
  );

  r.put(
    '/profile-requirements/:type',
    wrap(async (req, res) => {
      const admin = superAdminOf(res, 'Only a super_admin sets the profiles writes must meet');
      const type = String(req.params.type);
      assertStoredResourceType(type);
      const parsed = requirementSchema.safeParse(req.body);
      if (!parsed.success)
        throw new OperationOutcomeError(badRequest(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
      for (const url of parsed.data.profiles) {
        const sd = conformance().profile(url);
        if (!sd)
          throw new OperationOutcomeError(badRequest(`Unknown profile ${url}: add its package under fhir-profiles/packages and restart`));
        if (sd.type !== type) throw new OperationOutcomeError(badRequest(`Profile ${url} is for ${sd.type}, not ${type}`));
      }
      await requirements.set(admin.who.tenant.tenantId, type, parsed.data.profiles);
      await audit(req, admin, `profiles.require ${type}=${parsed.data.profiles.join(',') || '(base only)'}`);
      res.json({ resourceType: type, profiles: parsed.data.profiles, source: 'tenant' });
    }),
  );

  r.delete(
    '/profile-requirements/:type',
    wrap(async (req, res) => {
      const admin = superAdminOf(res, 'Only a super_admin sets the profiles writes must meet');
      const type = String(req.params.type);
      assertStoredResourceType(type);
      if (!(await requirements.reset(admin.who.tenant.tenantId, type))) {
        return sendFhir(res, 404, outcome('not-found', 'not-found', `No tenant requirement for ${type}; the default applies`));
      }
      await audit(req, admin, `profiles.reset ${type}`);
      res.status(204).end();
    }),
  );

  // A patient's DPDP erasure request, within the medical-records retention rule (src/privacy).
  r.post(
    '/patients/:id/erase',
    wrap(async (req, res) => {
      const admin = superAdminOf(res, "Only a super_admin (the hospital's data protection officer) erases a patient's identity");
      const parsed = erasureSchema.safeParse(req.body);
      if (!parsed.success) throw new OperationOutcomeError(badRequest('Send {"reason": "<the request\'s reference or grounds>"}'));
      const id = String(req.params.id);
      const tenant = admin.who.tenant;
      const repo = new PostgresRepository({ db: auth.db, tenant, baseUrl: auth.config.baseUrl, updateCreate: false });
      try {
        const result = await erasePatient({
          db: auth.db,
          repo,
          tenantId: tenant.tenantId,
          patientId: id,
          retentionYears: auth.config.RECORD_RETENTION_YEARS,
        });
        await audit(req, admin, `patient.erase reason=${parsed.data.reason}`, `Patient/${id}`);
        res.json(result);
      } catch (err) {
        if (!(err instanceof RetentionError)) throw err;
        await audit(req, admin, `patient.erase refused keepUntil=${err.keepUntil} reason=${parsed.data.reason}`, `Patient/${id}`);
        sendFhir(res, 409, outcome('retention', 'business-rule', err.message));
      }
    }),
  );

  // A client's own API rate limit (null: the default, RATE_LIMIT_API; 0: unlimited).
  r.put(
    '/clients/:clientId/rate-limit',
    wrap(async (req, res) => {
      const admin = superAdminOf(res, "Only a super_admin sets a client's rate limit");
      const parsed = rateLimitSchema.safeParse(req.body);
      if (!parsed.success)
        throw new OperationOutcomeError(
          badRequest('Send {"perMinute": <a whole number of requests a minute, 0 for no limit, or null for the default>}'),
        );
      const clientId = String(req.params.clientId);
      if (!(await clientLimits.set(admin.who.tenant.tenantId, clientId, parsed.data.perMinute)))
        return sendFhir(res, 404, outcome('not-found', 'not-found', 'No such client in this organisation'));
      await audit(req, admin, `client.rate-limit client=${clientId} perMinute=${parsed.data.perMinute ?? 'default'}`);
      res.json({ clientId, perMinute: parsed.data.perMinute, default: auth.config.RATE_LIMIT_API });
    }),
  );

  r.post(
    '/audit/verify',
    wrap(async (req, res) => {
      const admin = superAdminOf(res, 'Only a super_admin verifies the audit chain');
      await sealer.sealNow();
      const anchors = auth.config.AUDIT_ANCHOR_FILE ? readAnchors(auth.config.AUDIT_ANCHOR_FILE) : [];
      const result = await verifyAuditChain(auth.db, admin.who.tenant.tenantId, 1000, anchors);
      await audit(req, admin, `audit.verify ok=${result.ok}`);
      res.json(result);
    }),
  );

  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = toOutcome(err);
    if (status >= 500) res.locals.error = normalizeErrorString(err);
    sendFhir(res, status, body);
  });
  return r;
}
