import type { Encounter, Task } from '@medplum/fhirtypes';
import type { BotHandler } from '../../contract.ts';

/** Marks the Tasks this bot made, one per finished Encounter. */
export const FOLLOW_UP_SYSTEM = 'https://hospital-ops.in/fhir/sid/bot-visit-follow-up';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A finished visit gets one follow-up Task for its patient, due `followUpDays` after the visit
 * ended. The Task is created only if none carries the Encounter's identifier yet (a conditional
 * create), so a redelivered event, a retried invocation or a later edit of the same finished
 * Encounter adds nothing.
 */
const visitFollowUp: BotHandler = async (medplum, input) => {
  const event = input.event;
  if (!event || event.action === 'delete' || event.resourceType !== 'Encounter') return;
  // The version that triggered the bot: a later edit (cancelled after all?) comes as its own event.
  const encounter = await medplum.readVersion('Encounter', event.id, String(event.versionId));
  if (encounter.status !== 'finished' || !encounter.subject?.reference) return;
  const days = typeof input.settings.followUpDays === 'number' ? input.settings.followUpDays : 7;
  const ended = Date.parse(encounter.period?.end ?? '') || Date.now();
  const due = new Date(ended + days * DAY_MS).toISOString().slice(0, 10);
  const key = `Encounter/${encounter.id}`;
  const task: Task = {
    resourceType: 'Task',
    identifier: [{ system: FOLLOW_UP_SYSTEM, value: key }],
    status: 'requested',
    intent: 'plan',
    priority: 'routine',
    code: { text: String(input.settings.title ?? 'Follow-up visit') },
    description: `Follow-up ${days} days after the visit of ${dueText(encounter)}`,
    for: encounter.subject,
    encounter: { reference: key },
    authoredOn: new Date().toISOString(),
    restriction: { period: { start: due } },
  };
  await medplum.createResourceIfNoneExist(task, `identifier=${FOLLOW_UP_SYSTEM}|${key}`);
};

function dueText(encounter: Encounter): string {
  return encounter.period?.end?.slice(0, 10) ?? 'today';
}

export default visitFollowUp;
