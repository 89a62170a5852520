/** The login and consent pages' words, in English and Hindi. */
export type Lang = 'en' | 'hi';

const en = {
  title: 'Sign in to Hospital-Ops',
  login: 'Email or mobile number',
  password: 'Password',
  signIn: 'Sign in',
  orOtp: 'Sign in with a one-time code instead',
  phone: 'Mobile number',
  sendOtp: 'Send code',
  otp: 'One-time code',
  otpSent: 'We sent a 6-digit code by SMS to {phone}.',
  verify: 'Verify',
  badLogin: 'Wrong email/mobile or password.',
  locked: 'Too many failed attempts. Try again in {minutes} minutes.',
  inactive: 'This account is not active. Ask your administrator.',
  otherTenant: 'This account does not belong to the hospital this app is registered with.',
  badOtp: 'That code is wrong or has expired.',
  consentTitle: '{app} wants to use your Hospital-Ops account',
  consentIntro: 'Signed in as {user}. Allow {app} to:',
  allow: 'Allow',
  deny: 'Deny',
  choosePatient: 'Choose the patient',
  searchPatient: 'Search patients by name',
  search: 'Search',
  noPatients: 'No patients found.',
  patientContext: 'Patient: {patient}',
  errorTitle: 'This sign-in request cannot continue',
  language: 'हिन्दी',
  scopeRead: 'read {what}',
  scopeWrite: 'create and change {what}',
  scopeAccess: 'read and change {what}',
  scopeOffline: 'stay signed in when you are away (refresh tokens)',
  scopeIdentity: 'know who you are',
  scopePatient: 'for the selected patient',
  allRecords: 'all records',
};

const hi: typeof en = {
  title: 'Hospital-Ops में साइन इन करें',
  login: 'ईमेल या मोबाइल नंबर',
  password: 'पासवर्ड',
  signIn: 'साइन इन करें',
  orOtp: 'इसके बजाय वन-टाइम कोड से साइन इन करें',
  phone: 'मोबाइल नंबर',
  sendOtp: 'कोड भेजें',
  otp: 'वन-टाइम कोड',
  otpSent: 'हमने {phone} पर SMS से 6 अंकों का कोड भेजा है।',
  verify: 'सत्यापित करें',
  badLogin: 'ईमेल/मोबाइल या पासवर्ड गलत है।',
  locked: 'बहुत अधिक असफल प्रयास। {minutes} मिनट बाद फिर से प्रयास करें।',
  inactive: 'यह खाता सक्रिय नहीं है। अपने व्यवस्थापक से संपर्क करें।',
  otherTenant: 'यह खाता उस अस्पताल का नहीं है जिसके साथ यह ऐप पंजीकृत है।',
  badOtp: 'यह कोड गलत है या उसकी समय-सीमा समाप्त हो गई है।',
  consentTitle: '{app} आपके Hospital-Ops खाते का उपयोग करना चाहता है',
  consentIntro: '{user} के रूप में साइन इन। {app} को अनुमति दें:',
  allow: 'अनुमति दें',
  deny: 'अस्वीकार करें',
  choosePatient: 'मरीज़ चुनें',
  searchPatient: 'नाम से मरीज़ खोजें',
  search: 'खोजें',
  noPatients: 'कोई मरीज़ नहीं मिला।',
  patientContext: 'मरीज़: {patient}',
  errorTitle: 'यह साइन-इन अनुरोध आगे नहीं बढ़ सकता',
  language: 'English',
  scopeRead: '{what} पढ़ना',
  scopeWrite: '{what} बनाना और बदलना',
  scopeAccess: '{what} पढ़ना और बदलना',
  scopeOffline: 'आपकी अनुपस्थिति में भी साइन इन रहना (रीफ़्रेश टोकन)',
  scopeIdentity: 'आपकी पहचान जानना',
  scopePatient: 'चुने गए मरीज़ के लिए',
  allRecords: 'सभी रिकॉर्ड',
};

export type MessageKey = keyof typeof en;
const dictionaries: Record<Lang, typeof en> = { en, hi };

export function t(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return dictionaries[lang][key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** Explicit choice first (lang parameter), then OAuth's ui_locales, then the browser's Accept-Language. */
export function pickLang(explicit: unknown, uiLocales: unknown, acceptLanguage: string | undefined): Lang {
  for (const v of [explicit, uiLocales]) {
    if (typeof v === 'string' && v.trim()) {
      const first = v
        .trim()
        .split(/[\s,]+/)[0]
        .toLowerCase();
      if (first.startsWith('hi')) return 'hi';
      if (first.startsWith('en')) return 'en';
    }
  }
  return /^\s*hi\b/i.test(acceptLanguage ?? '') ? 'hi' : 'en';
}
