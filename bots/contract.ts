/**
 * What a bot is, as the platform's runtime and every bot agree on it. Types only: a bot imports
 * nothing else from the server, and talks to the platform only through the MedplumClient it is given.
 *
 * A bot lives in `bots/<name>/` (an npm workspace) with a `bot.json` manifest (`BotManifest`) and an
 * entry module whose default export is a `BotHandler`.
 */
import type { MedplumClient } from '@medplum/core';

/** `bots/<name>/bot.json`. */
export interface BotManifest {
  /** Matches the folder name: lowercase letters, digits and dashes. */
  name: string;
  description: string;
  /** Entry module, relative to the bot's folder (default `src/index.ts`). */
  entry?: string;
  /** The job queue its invocations run on (default `bot-<name>`); seed names where one fits (whatsapp-notifications...). */
  queue?: string;
  /** SMART scopes of the bot's own client identity: least privilege, e.g. `system/Communication.cru`. */
  scopes: string[];
  /** Subscriptions created for a tenant that enables the bot: FHIR search criteria judged on each change. */
  triggers?: { criteria: string; reason: string }[];
  /** Recurring invocations (5-field cron, Asia/Kolkata unless `timezone` says otherwise). */
  schedules?: { name: string; cron: string; timezone?: string }[];
  /** Settings a tenant may set without code changes, with their defaults. */
  settings?: Record<string, string | number | boolean>;
  /**
   * Settings the deployment fills in from the server's configuration where the tenant set none
   * (setting -> config key named after the bot, e.g. `"accessToken": "WHATSAPP_TOKEN"`): secrets
   * stay in the server's environment, never in the tenant's stored settings.
   */
  fromServerConfig?: Record<string, string>;
  /** Per-invocation limits; the runtime's defaults apply when absent. */
  limits?: { timeMs?: number; memoryMb?: number };
}

/** A change that triggered the bot: which resource, which version, what happened. */
export interface BotEvent {
  /** The event's number in the outbox: stable across redelivery, so a bot keys idempotent writes on it. */
  seq: string;
  subscription: string;
  action: 'create' | 'update' | 'delete';
  resourceType: string;
  id: string;
  versionId: number;
}

export interface BotInput {
  tenant: string;
  /** The tenant's settings for this bot, over the manifest's defaults. */
  settings: Record<string, string | number | boolean>;
  /** Present when a change triggered the invocation. */
  event?: BotEvent;
  /** Present when a schedule triggered it: its name and the occurrence's time (ISO 8601). */
  schedule?: { name: string; firedAt: string };
}

/**
 * One invocation. Throwing fails the job (retried with backoff, then dead-lettered). An invocation
 * may run more than once for the same event: writes are keyed on `event.seq` (conditional create).
 */
export type BotHandler = (medplum: MedplumClient, input: BotInput) => Promise<void>;
