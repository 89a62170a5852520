// @vitest-environment jsdom
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { initI18n, LANGUAGE_STORAGE_KEY } from './setup.ts';
import { useLanguage } from './use-language.ts';

const opd = { en: { title: 'Outpatients', greeting: 'Hello {{name}}' }, hi: { title: 'ओपीडी', greeting: 'नमस्ते {{name}}' } };

beforeEach(() => {
  localStorage.clear();
  document.documentElement.lang = '';
});
afterEach(() => vi.restoreAllMocks());

describe('initI18n', () => {
  test('starts in English by default and translates at once', () => {
    const i18n = initI18n({ opd });
    expect(i18n.language).toBe('en');
    expect(i18n.t('title')).toBe('Outpatients');
    expect(i18n.t('greeting', { name: 'Asha' })).toBe('Hello Asha');
    expect(document.documentElement.lang).toBe('en');
  });

  test('the app namespace falls back to the shell’s common words', () => {
    const i18n = initI18n({ opd });
    expect(i18n.t('save')).toBe('Save');
    expect(i18n.t('shell:signOut')).toBe('Sign out');
  });

  test('switching language changes t(), <html lang> and is remembered', async () => {
    const i18n = initI18n({ opd });
    await i18n.changeLanguage('hi');
    expect(i18n.t('title')).toBe('ओपीडी');
    expect(i18n.t('save')).toBe('सहेजें');
    expect(i18n.t('greeting', { name: 'आशा' })).toBe('नमस्ते आशा');
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('hi');
    expect(document.documentElement.lang).toBe('hi');
  });

  test('the remembered language is applied on the next start', async () => {
    await initI18n({ opd }).changeLanguage('hi');
    const next = initI18n({ opd });
    expect(next.language).toBe('hi');
    expect(next.t('title')).toBe('ओपीडी');
    expect(document.documentElement.lang).toBe('hi');
  });

  test('without a remembered choice, a Hindi browser starts in Hindi but nothing is stored', () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['hi-IN', 'en-IN']);
    const i18n = initI18n({ opd });
    expect(i18n.language).toBe('hi');
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBeNull();
  });

  test('an unknown remembered value is ignored', () => {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, 'fr');
    expect(initI18n({ opd }).language).toBe('en');
  });
});

describe('useLanguage', () => {
  test('returns the language and a setter that switches, re-renders and remembers', async () => {
    const i18n = initI18n({ opd });
    const wrapper = ({ children }: { children: ReactNode }) => <I18nextProvider i18n={i18n}>{children}</I18nextProvider>;
    const { result } = renderHook(() => useLanguage(), { wrapper });
    expect(result.current[0]).toBe('en');
    await act(() => result.current[1]('hi'));
    expect(result.current[0]).toBe('hi');
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('hi');
    expect(i18n.t('title')).toBe('ओपीडी');
  });
});
