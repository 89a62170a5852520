import { CronExpressionParser } from 'cron-parser';
import { checkName, checkQueueName, JobInputError } from './input.ts';
import type { ScheduleDefinition } from './queue.ts';

/** Schedules are read in India's time unless a definition says otherwise. */
export const DEFAULT_TIMEZONE = 'Asia/Kolkata';

/**
 * The platform's recurring jobs (seed architecture, "Scheduled Jobs"), in one place. Each only
 * enqueues a job on its queue; the bots that act on them register their handlers later.
 */
export const PLATFORM_SCHEDULES: readonly ScheduleDefinition[] = [
  { name: 'appointment-reminders', queue: 'appointment-reminders', cron: '*/5 * * * *' },
  { name: 'stock-alerts', queue: 'stock-alerts', cron: '0 8 * * *' },
  { name: 'expiry-alerts', queue: 'expiry-alerts', cron: '0 9 * * *' },
  { name: 'follow-up-check', queue: 'follow-up-reminders', cron: '0 10 * * *' },
  { name: 'consent-expiry', queue: 'consent-requests', cron: '0 0 * * *' },
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
  return `schedule:${name}:${at.toISOString()}`;
}
