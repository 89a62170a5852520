import {
  badRequest,
  businessRule,
  conflict,
  forbidden,
  notFound,
  OperationOutcomeError,
  preconditionFailed,
  serverError,
  serverTimeout,
  tooManyRequests,
  unauthorized,
} from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { outcomeMessage } from './outcome-message.ts';
import { initI18n } from './setup.ts';

const i18n = initI18n({ opd: { en: { outcome: { TOKEN_ALREADY_ISSUED: 'This patient already has a token today.' } }, hi: {} } });
const en = i18n.getFixedT('en', 'shell');
const hi = i18n.getFixedT('hi', 'shell');
const thrown = (outcome: OperationOutcome) => new OperationOutcomeError(outcome);

describe('outcomeMessage', () => {
  test('409 SLOT_NOT_AVAILABLE has its own message, in English and Hindi', () => {
    const error = thrown(conflict('Slot/123 is busy', 'SLOT_NOT_AVAILABLE'));
    expect(outcomeMessage(error, en)).toBe('This slot was just booked by someone else. Pick another slot.');
    expect(outcomeMessage(error, hi)).toBe('यह स्लॉट अभी-अभी किसी और ने बुक कर लिया है। कोई दूसरा स्लॉट चुनें।');
  });

  test('422 SLOT_IN_PAST, as the server sends it, says what to do instead', () => {
    const error = thrown({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'business-rule',
          details: {
            coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/hops-business-error', code: 'SLOT_IN_PAST' }],
            text: 'Slot/1 (...) has already started and cannot be booked',
          },
        },
      ],
    });
    expect(outcomeMessage(error, en)).toMatch(/^This slot has already started/);
    expect(outcomeMessage(error, hi)).toMatch(/^यह स्लॉट शुरू हो चुका है/);
  });

  test('an app’s own business code is looked up in its namespace first', () => {
    const error = thrown(businessRule('TOKEN_ALREADY_ISSUED', 'duplicate token'));
    expect(outcomeMessage(error, i18n.getFixedT('en', 'opd'))).toBe('This patient already has a token today.');
  });

  test('a code without a message falls back to the status', () => {
    expect(outcomeMessage(thrown(conflict('busy', 'SOMETHING_NEW')), en)).toMatch(/^Someone else changed this record/);
  });

  test('422 lists what the server said was wrong, once each, errors only', () => {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      id: 'business-rule',
      issue: [
        {
          severity: 'error',
          code: 'invariant',
          details: { text: 'Birth date cannot be in the future' },
          expression: ['Patient.birthDate'],
        },
        { severity: 'error', code: 'required', diagnostics: 'Patient.gender is required' },
        { severity: 'error', code: 'invariant', details: { text: 'Birth date cannot be in the future' } },
        { severity: 'warning', code: 'informational', details: { text: 'Name looks short' } },
      ],
    };
    expect(outcomeMessage(thrown(outcome), en)).toBe(
      'Please correct the following:\n• Birth date cannot be in the future\n• Patient.gender is required',
    );
    expect(outcomeMessage(outcome, hi).split('\n')[0]).toBe('कृपया इन्हें ठीक करें:');
  });

  test('400 without any text still says something useful', () => {
    expect(outcomeMessage(thrown({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] }), en)).toBe(
      'The server did not accept this. Check the details and try again.',
    );
    expect(outcomeMessage(thrown(badRequest('Unknown search parameter: foo')), en)).toBe(
      'Please correct the following:\n• Unknown search parameter: foo',
    );
  });

  test.each([
    ['401 from the client', unauthorized, 'Your session has ended. Please sign in again.'],
    ['403', forbidden, 'You do not have permission to do this. Ask your administrator if you need it.'],
    ['404', notFound, 'This record was not found. It may have been deleted.'],
    ['409', conflict('version clash'), 'Someone else changed this record while you were working on it. Reload it and try again.'],
    ['412 (If-Match)', preconditionFailed, 'Someone else changed this record while you were working on it. Reload it and try again.'],
    ['429', tooManyRequests, 'Too many requests. Wait a moment and try again.'],
    [
      '500',
      serverError(new Error('db down')),
      'The server ran into a problem. Try again in a few minutes; if it keeps happening, contact support.',
    ],
    ['504', serverTimeout(), 'The server ran into a problem. Try again in a few minutes; if it keeps happening, contact support.'],
  ])('%s', (_status, outcome, message) => {
    expect(outcomeMessage(thrown(outcome), en)).toBe(message);
  });

  test('statuses from issue codes when the outcome has no id (this server’s 401 and 429 bodies)', () => {
    const issue = (code: 'login' | 'throttled' | 'forbidden') =>
      ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code }] }) as OperationOutcome;
    expect(outcomeMessage(issue('login'), en)).toBe('Your session has ended. Please sign in again.');
    expect(outcomeMessage(issue('throttled'), en)).toBe('Too many requests. Wait a moment and try again.');
    expect(outcomeMessage(issue('forbidden'), hi)).toBe('आपको यह करने की अनुमति नहीं है। ज़रूरत हो तो अपने व्यवस्थापक से अनुमति माँगें।');
  });

  test('a failed fetch is a network problem', () => {
    expect(outcomeMessage(new TypeError('Failed to fetch'), en)).toBe(
      'Cannot reach the server. Check the internet connection and try again.',
    );
    expect(outcomeMessage(new TypeError('NetworkError when attempting to fetch resource.'), hi)).toBe(
      'सर्वर से संपर्क नहीं हो पा रहा है। इंटरनेट कनेक्शन जाँचें और फिर से कोशिश करें।',
    );
  });

  test('any other error gets a generic message, never its JavaScript text', () => {
    expect(outcomeMessage(new Error('Cannot read properties of undefined'), en)).toBe('Something went wrong. Please try again.');
    expect(outcomeMessage(undefined, en)).toBe('Something went wrong. Please try again.');
  });
});
