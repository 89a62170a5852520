/**
 * The WhatsApp bot (bots/whatsapp/bot.json): template messages to patients who opted in, in English
 * or Hindi by Patient.communication, recorded as Communications. It reads no environment: the
 * Cloud API base, business number and token come from its settings (`apiBase`, `phoneNumberId`,
 * `accessToken`), which the runtime fills per tenant (see docs/whatsapp.md).
 */
import type { BotHandler } from '../../contract.ts';
import { deliver } from './deliver.ts';
import { occasionOf } from './events.ts';
import { sendReminders } from './reminders.ts';

const handler: BotHandler = async (medplum, input) => {
  if (input.schedule) {
    if (input.schedule.name === 'appointment-reminders') await sendReminders(medplum, input.settings, new Date(input.schedule.firedAt));
    return;
  }
  if (!input.event) return;
  const occasion = await occasionOf(medplum, input.event);
  if (!occasion) return;
  await deliver(medplum, input.settings, {
    key: `${input.event.seq}:${occasion.kind}`,
    kind: occasion.kind,
    resource: occasion.resource,
    patientId: occasion.patientId,
    now: new Date(),
  });
};

export default handler;
