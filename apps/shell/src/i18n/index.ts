export { outcomeMessage } from './outcome-message.ts';
export { initI18n, LANGUAGE_STORAGE_KEY, type NamespaceStrings, SHELL_NAMESPACE, type Strings } from './setup.ts';
export { shellEn, shellHi, type Translation } from './shell-strings.ts';
export { useLanguage } from './use-language.ts';
