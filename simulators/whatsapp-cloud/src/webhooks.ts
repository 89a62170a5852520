import { createHmac } from 'node:crypto';

/** The business number a webhook speaks for (`value.metadata`) and its WhatsApp Business Account. */
export interface BusinessNumber {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface StatusUpdate {
  id: string;
  status: DeliveryStatus;
  timestamp: string;
  recipient_id: string;
  conversation?: { id: string; origin: { type: string } };
  pricing?: { billable: boolean; pricing_model: string; category: string };
  errors?: { code: number; title: string; message: string; error_data: { details: string } }[];
}

export interface InboundMessage {
  from: string;
  id: string;
  timestamp: string;
  type: 'text' | 'button';
  text?: { body: string };
  button?: { payload: string; text: string };
}

/** `{ object, entry: [{ id, changes: [{ field: 'messages', value }] }] }`, as Meta posts it. */
export function notification(number: BusinessNumber, value: Record<string, unknown>): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: number.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: number.displayPhoneNumber, phone_number_id: number.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

/** `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the exact bytes sent, keyed with the app secret. */
export function signature(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export interface WebhookDelivery {
  at: string;
  kind: 'status' | 'message';
  /** wamid of the message the status is about, or of the inbound message. */
  messageId: string;
  /** HTTP status the receiver answered, or 0 when it could not be reached. */
  responseStatus: number;
  body: string;
}

/** Posts one signed notification; never throws (an unreachable receiver is recorded as status 0). */
export async function postWebhook(url: string, appSecret: string, payload: unknown): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(body, appSecret) },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return { status: res.status, body };
  } catch {
    return { status: 0, body };
  }
}
