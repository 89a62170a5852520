import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { BotManifest } from '../../../bots/contract.ts';

/**
 * Bots are found on disk: every `<BOTS_DIR>/<name>/bot.json` is a manifest, checked here so that a
 * malformed one is refused at start with a sentence naming the field, not later mid-invocation.
 */

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
// The SMART scopes a bot may hold: system context only (it acts for itself, never for a user).
const SYSTEM_SCOPE = /^system\/(\*|[A-Z][A-Za-z]+)\.(c?r?u?d?s?|read|write)(\?.+)?$/;
// Five fields of cron: minute hour day-of-month month day-of-week.
const CRON = /^\S+(\s+\S+){4}$/;

export const manifestSchema = z
  .object({
    name: z.string().regex(NAME, { message: 'must be lowercase letters, digits and dashes' }).max(40),
    description: z.string().min(1).max(500),
    entry: z
      .string()
      .regex(/^[\w./-]+\.(ts|js|mjs)$/, { message: 'must be a relative .ts or .js path inside the bot folder' })
      .refine((p) => !p.split('/').includes('..') && !p.startsWith('/'), { message: 'must stay inside the bot folder' })
      .optional(),
    queue: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be lowercase letters, digits and dashes' })
      .optional(),
    scopes: z
      .array(z.string().regex(SYSTEM_SCOPE, { message: 'must be a system/ SMART scope such as system/Task.crs' }))
      .min(1, { message: 'a bot needs at least one scope' })
      .refine((list) => !list.some((s) => s.startsWith('system/*')), { message: 'must name resource types, not system/*' }),
    triggers: z.array(z.object({ criteria: z.string().min(3).max(500), reason: z.string().min(1).max(200) }).strict()).optional(),
    schedules: z
      .array(
        z
          .object({
            name: z.string().regex(NAME, { message: 'must be lowercase letters, digits and dashes' }),
            cron: z.string().regex(CRON, { message: 'must be a five-field cron expression such as 0 10 * * *' }),
            timezone: z.string().min(1).optional(),
          })
          .strict(),
      )
      .optional(),
    settings: z.record(z.string().regex(/^[A-Za-z][\w.-]{0,63}$/), z.union([z.string().max(1000), z.number(), z.boolean()])).optional(),
    fromServerConfig: z.record(z.string(), z.string().regex(/^[A-Z][A-Z0-9_]{2,63}$/)).optional(),
    limits: z
      .object({
        timeMs: z.number().int().min(100).max(600_000).optional(),
        memoryMb: z.number().int().min(16).max(4096).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A bot as the runtime knows it: its manifest, where its code is, the queue it runs on. */
export interface BotDefinition {
  manifest: BotManifest;
  dir: string;
  /** file: URL of the entry module (imported inside the sandbox, never in the server's own thread). */
  entryUrl: string;
  queue: string;
}

export class ManifestError extends Error {}

/** Checks one manifest; throws ManifestError listing every problem. */
export function parseManifest(raw: unknown, folder: string): BotManifest {
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(manifest)'}: ${i.message}`);
    throw new ManifestError(`Bot ${folder}: bot.json is invalid: ${lines.join('; ')}`);
  }
  if (r.data.name !== folder) throw new ManifestError(`Bot ${folder}: bot.json names "${r.data.name}", not its folder "${folder}"`);
  for (const [setting, key] of Object.entries(r.data.fromServerConfig ?? {})) {
    if (!(setting in (r.data.settings ?? {})))
      throw new ManifestError(`Bot ${folder}: fromServerConfig names ${setting}, which settings does not declare`);
    if (!key.startsWith(configPrefix(folder)))
      throw new ManifestError(`Bot ${folder}: fromServerConfig may read only settings named ${configPrefix(folder)}..., not ${key}`);
  }
  const names = (r.data.schedules ?? []).map((s) => s.name);
  if (new Set(names).size !== names.length) throw new ManifestError(`Bot ${folder}: two schedules share a name`);
  return r.data;
}

/** Reads and checks `<dir>/<name>/bot.json` for each folder that has one; the entry must exist. */
export function discoverBots(botsDir: string): BotDefinition[] {
  const root = resolve(botsDir);
  if (!existsSync(root)) return [];
  const found: BotDefinition[] = [];
  for (const folder of readdirSync(root, { withFileTypes: true })) {
    if (!folder.isDirectory() || folder.name === 'node_modules') continue;
    const dir = join(root, folder.name);
    const file = join(dir, 'bot.json');
    if (!existsSync(file)) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new ManifestError(`Bot ${folder.name}: bot.json is not valid JSON`);
    }
    const manifest = parseManifest(raw, folder.name);
    const entry = join(dir, manifest.entry ?? 'src/index.ts');
    if (!existsSync(entry)) throw new ManifestError(`Bot ${folder.name}: its entry ${manifest.entry ?? 'src/index.ts'} does not exist`);
    found.push({ manifest, dir, entryUrl: pathToFileURL(entry).href, queue: manifest.queue ?? `bot-${manifest.name}` });
  }
  return found.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** The config key prefix a bot may draw settings from: WHATSAPP_ for `whatsapp`, never DATABASE_URL. */
export function configPrefix(botName: string): string {
  return `${botName.toUpperCase().replaceAll('-', '_')}_`;
}

/**
 * Settings the deployment supplies from the server's configuration (`fromServerConfig`: setting ->
 * config key), filled in at each invocation where the tenant set none. Secrets such as an API token
 * thus stay out of bot_installation and out of every admin answer. Only keys named after the bot
 * are read (checked when the manifest is loaded).
 */
export function serverConfigSettings(manifest: BotManifest, config: Record<string, unknown>, stored: Record<string, unknown> | undefined) {
  const out: Record<string, string | number | boolean> = {};
  for (const [setting, key] of Object.entries(manifest.fromServerConfig ?? {})) {
    const value = config[key];
    const tenantSet = stored?.[setting] !== undefined && stored[setting] !== '';
    if (!tenantSet && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) out[setting] = value;
  }
  return out;
}

/** The tenant's settings over the manifest's defaults (only keys the manifest declares survive). */
export function effectiveSettings(manifest: BotManifest, stored: Record<string, unknown> | undefined) {
  const out: Record<string, string | number | boolean> = { ...(manifest.settings ?? {}) };
  for (const [k, v] of Object.entries(stored ?? {})) {
    if (k in out && typeof v === typeof out[k]) out[k] = v as string | number | boolean;
  }
  return out;
}
