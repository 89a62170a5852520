import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverBots, effectiveSettings, ManifestError, parseManifest } from '../../src/bots/manifest.ts';

const valid = {
  name: 'lab-notify',
  description: 'Tells the patient that results are ready',
  scopes: ['system/DiagnosticReport.rs', 'system/Communication.c'],
  triggers: [{ criteria: 'DiagnosticReport?status=final', reason: 'A report is final' }],
  schedules: [{ name: 'daily', cron: '0 10 * * *' }],
  settings: { template: 'lab_results_ready', quietHours: true, retries: 3 },
  limits: { timeMs: 5000, memoryMb: 64 },
};

const problems = (raw: unknown, folder = 'lab-notify') => {
  try {
    parseManifest(raw, folder);
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as Error).message;
  }
};

describe('bot manifests', () => {
  it('accepts a complete manifest', () => {
    expect(parseManifest(valid, 'lab-notify')).toEqual(valid);
  });

  it('refuses scopes beyond least privilege: user or patient context, wildcards, nonsense', () => {
    expect(problems({ ...valid, scopes: ['system/*.cruds'] })).toMatch(/scopes: must name resource types/);
    expect(problems({ ...valid, scopes: ['user/Patient.rs'] })).toMatch(/scopes\.0: must be a system\/ SMART scope/);
    expect(problems({ ...valid, scopes: ['system/Patient.everything'] })).toMatch(/scopes\.0/);
    expect(problems({ ...valid, scopes: [] })).toMatch(/at least one scope/);
  });

  it('names each bad field, and refuses unknown ones', () => {
    expect(problems({ ...valid, name: 'Lab_Notify' }, 'Lab_Notify')).toMatch(/name: must be lowercase/);
    expect(problems({ ...valid, schedules: [{ name: 'daily', cron: 'every day' }] })).toMatch(
      /schedules\.0\.cron: must be a five-field cron/,
    );
    expect(problems({ ...valid, entry: '../../server/src/main.ts' })).toMatch(/entry: must stay inside the bot folder/);
    expect(problems({ ...valid, limits: { timeMs: 10 } })).toMatch(/limits\.timeMs/);
    expect(problems({ ...valid, secrets: ['x'] })).toMatch(/Unrecognized key/);
    expect(problems({ ...valid, description: undefined })).toMatch(/description/);
  });

  it('wants the manifest’s name to be its folder’s, and schedule names unique', () => {
    expect(problems(valid, 'other')).toMatch(/names "lab-notify", not its folder "other"/);
    expect(problems({ ...valid, schedules: [valid.schedules[0], valid.schedules[0]] })).toMatch(/two schedules share a name/);
  });

  it('lays a tenant’s settings over the defaults, keeping only declared keys of the declared type', () => {
    expect(effectiveSettings(valid, { template: 'lab_results_hi', retries: 'many', extra: 1 })).toEqual({
      template: 'lab_results_hi',
      quietHours: true,
      retries: 3,
    });
  });
});

describe('bot discovery', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const botFolder = (name: string, manifest: unknown, entry = 'src/index.ts') => {
    dir ??= mkdtempSync(join(tmpdir(), 'bots-'));
    mkdirSync(join(dir, name, 'src'), { recursive: true });
    writeFileSync(join(dir, name, 'bot.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
    if (entry) writeFileSync(join(dir, name, entry), 'export default async () => {};\n');
    return dir;
  };

  it('finds each folder with a bot.json, its entry and its queue', () => {
    botFolder('lab-notify', valid);
    const root = botFolder('queued', { ...valid, name: 'queued', queue: 'whatsapp-notifications', triggers: undefined });
    mkdirSync(join(root, 'not-a-bot'));
    const bots = discoverBots(root);
    expect(bots.map((b) => [b.manifest.name, b.queue])).toEqual([
      ['lab-notify', 'bot-lab-notify'],
      ['queued', 'whatsapp-notifications'],
    ]);
    expect(bots[0].entryUrl).toMatch(/^file:.*\/lab-notify\/src\/index\.ts$/);
  });

  it('refuses malformed JSON and a missing entry, naming the bot', () => {
    expect(() => discoverBots(botFolder('broken', '{ "name": '))).toThrow('Bot broken: bot.json is not valid JSON');
    rmSync(dir as string, { recursive: true });
    dir = undefined;
    expect(() => discoverBots(botFolder('lab-notify', { ...valid, entry: 'src/main.ts' }))).toThrow(
      'Bot lab-notify: its entry src/main.ts does not exist',
    );
  });

  it('finds no bots in a folder that does not exist', () => {
    expect(discoverBots(join(tmpdir(), 'no-such-bots-folder-here'))).toEqual([]);
  });
});
