/** Same keys as `en`, every leaf a string: a missing or extra Hindi string fails the type check. */
export type Translation<T> = { [K in keyof T]: T[K] extends string ? string : Translation<T[K]> };

/** The shell's own namespace, `shell`: words every app uses and the error messages of outcomeMessage. */
export const shellEn = {
  save: 'Save',
  cancel: 'Cancel',
  search: 'Search',
  signOut: 'Sign out',
  language: 'Language',
  loading: 'Loading…',
  retry: 'Try again',
  menu: 'Menu',
  errorTitle: 'Something went wrong',
  errors: {
    network: 'Cannot reach the server. Check the internet connection and try again.',
    unauthenticated: 'Your session has ended. Please sign in again.',
    forbidden: 'You do not have permission to do this. Ask your administrator if you need it.',
    notFound: 'This record was not found. It may have been deleted.',
    gone: 'This record has been deleted.',
    conflict: 'Someone else changed this record while you were working on it. Reload it and try again.',
    invalid: 'Please correct the following:',
    invalidNoDetails: 'The server did not accept this. Check the details and try again.',
    tooManyRequests: 'Too many requests. Wait a moment and try again.',
    server: 'The server ran into a problem. Try again in a few minutes; if it keeps happening, contact support.',
    unknown: 'Something went wrong. Please try again.',
    launch: 'The app could not be opened: {{reason}}. Open it again from the launcher, or sign in again.',
  },
  // Business codes a server puts in OperationOutcome.issue.details.coding; apps may add their own under `outcome` in their namespace.
  outcome: {
    SLOT_NOT_AVAILABLE: 'This slot was just booked by someone else. Pick another slot.',
    SLOT_IN_PAST: 'This slot has already started and cannot be booked. Pick a later slot, or check the patient in from the queue.',
  },
} as const;

export const shellHi: Translation<typeof shellEn> = {
  save: 'सहेजें',
  cancel: 'रद्द करें',
  search: 'खोजें',
  signOut: 'साइन आउट करें',
  language: 'भाषा',
  loading: 'लोड हो रहा है…',
  retry: 'फिर से कोशिश करें',
  menu: 'मेन्यू',
  errorTitle: 'कुछ गड़बड़ हो गई',
  errors: {
    network: 'सर्वर से संपर्क नहीं हो पा रहा है। इंटरनेट कनेक्शन जाँचें और फिर से कोशिश करें।',
    unauthenticated: 'आपका सत्र समाप्त हो गया है। कृपया फिर से साइन इन करें।',
    forbidden: 'आपको यह करने की अनुमति नहीं है। ज़रूरत हो तो अपने व्यवस्थापक से अनुमति माँगें।',
    notFound: 'यह रिकॉर्ड नहीं मिला। हो सकता है इसे हटा दिया गया हो।',
    gone: 'यह रिकॉर्ड हटा दिया गया है।',
    conflict: 'आपके काम करते समय किसी और ने यह रिकॉर्ड बदल दिया है। इसे दोबारा खोलें और फिर से कोशिश करें।',
    invalid: 'कृपया इन्हें ठीक करें:',
    invalidNoDetails: 'सर्वर ने यह जानकारी स्वीकार नहीं की। जानकारी जाँचें और फिर से कोशिश करें।',
    tooManyRequests: 'बहुत सारे अनुरोध आ गए हैं। थोड़ी देर रुककर फिर से कोशिश करें।',
    server: 'सर्वर में कोई समस्या आ गई है। कुछ मिनट बाद फिर से कोशिश करें; बार-बार ऐसा हो तो सहायता टीम से संपर्क करें।',
    unknown: 'कुछ गड़बड़ हो गई। कृपया फिर से कोशिश करें।',
    launch: 'ऐप नहीं खुल सका: {{reason}}। लॉन्चर से फिर खोलें, या फिर से साइन इन करें।',
  },
  outcome: {
    SLOT_NOT_AVAILABLE: 'यह स्लॉट अभी-अभी किसी और ने बुक कर लिया है। कोई दूसरा स्लॉट चुनें।',
    SLOT_IN_PAST: 'यह स्लॉट शुरू हो चुका है और बुक नहीं हो सकता। बाद का स्लॉट चुनें, या मरीज़ को कतार से चेक-इन करें।',
  },
};
