import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CloudApiError } from '../../../bots/whatsapp/src/cloud-api.ts';
import { preferredLanguage, whatsappNumber } from '../../../bots/whatsapp/src/patient.ts';
import { formatWhen, inQuietHours } from '../../../bots/whatsapp/src/time.ts';
import { keywordOf } from '../../src/features/messaging/whatsapp/apply.ts';
import { validSignature } from '../../src/features/messaging/whatsapp/signature.ts';

describe('quiet hours (IST)', () => {
  const at = (ist: string) => new Date(`2026-12-06T${ist}:00+05:30`);
  it('run past midnight: 21:00 to 08:00', () => {
    expect(inQuietHours(at('20:59'), '21:00', '08:00')).toBe(false);
    expect(inQuietHours(at('21:00'), '21:00', '08:00')).toBe(true);
    expect(inQuietHours(at('02:30'), '21:00', '08:00')).toBe(true);
    expect(inQuietHours(at('07:59'), '21:00', '08:00')).toBe(true);
    expect(inQuietHours(at('08:00'), '21:00', '08:00')).toBe(false);
  });
  it('may sit within one day, or be off', () => {
    expect(inQuietHours(at('14:00'), '13:00', '15:00')).toBe(true);
    expect(inQuietHours(at('16:00'), '13:00', '15:00')).toBe(false);
    expect(inQuietHours(at('23:00'), '00:00', '00:00')).toBe(false);
  });
  it('refuses a malformed setting', () => {
    expect(() => inQuietHours(at('10:00'), '9pm', '08:00')).toThrow(/HH:MM/);
  });
});

describe('patients', () => {
  it('write Indian numbers any way; WhatsApp gets 91 and ten digits', () => {
    const p = (value: string, use?: 'mobile' | 'home' | 'old') => ({
      resourceType: 'Patient' as const,
      telecom: [{ system: 'phone' as const, value, use }],
    });
    expect(whatsappNumber(p('+91 98123 45678'))).toBe('919812345678');
    expect(whatsappNumber(p('09812345678'))).toBe('919812345678');
    expect(whatsappNumber(p('98123-45678'))).toBe('919812345678');
    expect(whatsappNumber(p('98123-45678', 'old'))).toBeUndefined();
    expect(whatsappNumber(p('12345'))).toBeUndefined();
  });
  it('prefer the language marked preferred, falling back to English for languages without templates', () => {
    const lang = (...codes: [string, boolean?][]) => ({
      resourceType: 'Patient' as const,
      communication: codes.map(([code, preferred]) => ({ language: { coding: [{ code }] }, preferred })),
    });
    expect(preferredLanguage(lang(['en'], ['hi-IN', true]), ['en', 'hi'])).toBe('hi');
    expect(preferredLanguage(lang(['ta', true]), ['en', 'hi'])).toBe('en');
    expect(preferredLanguage({ resourceType: 'Patient' }, ['en', 'hi'])).toBe('en');
  });
  it('read dates in IST in their language', () => {
    expect(formatWhen('2026-12-07T05:00:00Z', 'en')).toMatch(/7 Dec.*10:30/);
    expect(formatWhen('2026-12-07T05:00:00Z', 'hi')).toMatch(/दिस/);
  });
});

describe('Cloud API errors', () => {
  it('sort into retry, configuration and permanent as the error-code page says', () => {
    expect(new CloudApiError(130429, 400, 'Rate limit hit').kind).toBe('retry');
    expect(new CloudApiError(131056, 400, 'Pair rate limit').kind).toBe('retry');
    expect(new CloudApiError(131000, 500, 'Something went wrong').kind).toBe('retry');
    expect(new CloudApiError(190, 401, 'Token expired').kind).toBe('configuration');
    for (const code of [131026, 131047, 132000, 132001, 132015]) expect(new CloudApiError(code, 400, 'x').kind).toBe('permanent');
  });
});

describe('webhooks', () => {
  it('know STOP and YES in English and Hindi, and nothing else', () => {
    expect(keywordOf(' stop ')).toBe('opt-out');
    expect(keywordOf('STOP.')).toBe('opt-out');
    expect(keywordOf('रोकें')).toBe('opt-out');
    expect(keywordOf('Yes')).toBe('opt-in');
    expect(keywordOf('हाँ')).toBe('opt-in');
    expect(keywordOf('please stop calling')).toBeUndefined();
  });
  it('check the signature over the exact bytes with the app secret', () => {
    const body = Buffer.from('{"object":"whatsapp_business_account"}');
    const good = `sha256=${createHmac('sha256', 'secret-1').update(body).digest('hex')}`;
    expect(validSignature(body, good, 'secret-1')).toBe(true);
    expect(validSignature(body, good.toUpperCase().replace('SHA256=', 'sha256='), 'secret-1')).toBe(true);
    expect(validSignature(body, good, 'secret-2')).toBe(false);
    expect(validSignature(Buffer.from(`${body} `), good, 'secret-1')).toBe(false);
    expect(validSignature(body, good.slice(0, -2), 'secret-1')).toBe(false);
    expect(validSignature(body, undefined, 'secret-1')).toBe(false);
    expect(validSignature(body, 'sha1=abc', 'secret-1')).toBe(false);
  });
});
