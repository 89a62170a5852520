import { CronExpressionParser } from 'cron-parser';
import { checkName, checkQueueName, JobInputError } from './input.ts';
import type { ScheduleDefinition } from './queue.ts';

/** Schedules are read in India's time unless a definition says otherwise. */
export const DEFAULT_TIMEZONE = 'Asia/Kolkata';

/**
 * Schedules an earlier version registered for every server with nobody working their queues, so
 * their occurrences piled up (288 a day of reminders). A schedule now belongs to the bot that
 * handles it (its manifest); these are removed at start, with what they left waiting.
 */
export const RETIRED_SCHEDULES: readonly { queue: string; name: string }[] = [
  { name: 'appointment-reminders', queue: 'appointment-reminders' },
  { name: 'stock-alerts', queue: 'stock-alerts' },
  { name: 'expiry-alerts', queue: 'expiry-alerts' },
  { name: 'follow-up-check', queue: 'follow-up-reminders' },
  { name: 'consent-expiry', queue: 'consent-requests' },
];

export type CheckedSchedule = ScheduleDefinition & { timezone: string };

/** Checks a definition and fills in the time zone; throws JobInputError with a sentence of our own. */
export function checkSchedule(definition: ScheduleDefinition): CheckedSchedule {
  const timezone = definition.timezone ?? DEFAULT_TIMEZONE;
  checkName('schedule', definition.name);
  checkQueueName(definition.queue);
  if (typeof definition.cron !== 'string' || definition.cron.trim().split(/\s+/).length !== 5)
    throw new JobInputError(`Schedule ${definition.name}: "${definition.cron}" must have five fields (minute hour day month weekday).`);
  try {
    Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new JobInputError(`Schedule ${definition.name}: "${timezone}" is not a time zone.`);
  }
  try {
    CronExpressionParser.parse(definition.cron, { tz: timezone });
  } catch {
    throw new JobInputError(`Schedule ${definition.name}: "${definition.cron}" is not a cron expression this server reads.`);
  }
  return { ...definition, timezone };
}

/** The first occurrence strictly after `after`. */
export function nextOccurrence(cron: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, tz: timezone }).next().toDate();
}

/** The job id of one occurrence: the same in every process, so two processes adding it collide. */
export function occurrenceJobId(name: string, at: Date): string {
  return `${occurrenceIdPrefix(name)}${at.toISOString()}`;
}

/** What every occurrence id of a schedule starts with. */
export function occurrenceIdPrefix(name: string): string {
  return `schedule:${name}:`;
}
