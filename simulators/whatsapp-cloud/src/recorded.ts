import type { DeliveryStatus } from './webhooks.ts';

/** A message as the simulator recorded it: what the phone received, and where it stands. */
export interface SimulatedMessage {
  id: string;
  phoneNumberId: string;
  to: string;
  type: string;
  at: string;
  /** The text as the phone shows it (template rendered with its parameters). */
  text: string;
  template?: { name: string; language: string; parameters: string[] };
  document?: { link?: string; id?: string; filename?: string };
  statuses: { status: DeliveryStatus; at: string; errorCode?: number }[];
}
