import { parseResourceScope } from '../auth/scopes.ts';
import { type Lang, type MessageKey, t } from './i18n.ts';

/** Server-rendered sign-in, one-time-code, consent and error pages. Plain HTML forms: no script needed. */

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans Devanagari",sans-serif;background:#f4f6f8;margin:0;color:#1b2733}
main{max-width:420px;margin:48px auto;background:#fff;border-radius:12px;box-shadow:0 2px 12px #0001;padding:28px}
h1{font-size:1.3rem;margin:0 0 16px}label{display:block;margin:14px 0 4px;font-weight:600}
input[type=text],input[type=password],input[type=tel],input[type=email]{width:100%;box-sizing:border-box;padding:10px;border:1px solid #b8c2cc;border-radius:8px;font-size:1rem}
button{margin-top:18px;padding:10px 18px;border:0;border-radius:8px;background:#0b6e4f;color:#fff;font-size:1rem;cursor:pointer}
button.secondary{background:#e3e8ee;color:#1b2733}.error{background:#fdecea;color:#8a1c12;padding:10px;border-radius:8px}
.info{background:#e8f4fd;padding:10px;border-radius:8px}ul{padding-left:20px}.lang{float:right;font-size:.9rem}
.row{display:flex;gap:8px;align-items:center}.row input{flex:1}`;

function page(lang: Lang, title: string, body: string, langHref?: string): string {
  const toggle = langHref ? `<a class="lang" href="${esc(langHref)}">${esc(t(lang, 'language'))}</a>` : '';
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head><body><main>${toggle}<h1>${esc(title)}</h1>${body}</main></body></html>`;
}

function hidden(fields: Record<string, string | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
}

export interface LoginPageInput {
  lang: Lang;
  pending: string;
  error?: string;
  login?: string;
  langHref?: string;
}

export function loginPage(p: LoginPageInput): string {
  const err = p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : '';
  return page(
    p.lang,
    t(p.lang, 'title'),
    `${err}<form method="post" action="/oauth2/authorize/login">${hidden({ pending: p.pending, lang: p.lang })}
<label for="login">${esc(t(p.lang, 'login'))}</label><input id="login" name="login" type="text" autocomplete="username" required autofocus value="${esc(p.login)}">
<label for="password">${esc(t(p.lang, 'password'))}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">${esc(t(p.lang, 'signIn'))}</button></form>
<details><summary>${esc(t(p.lang, 'orOtp'))}</summary><form method="post" action="/oauth2/authorize/otp">${hidden({ pending: p.pending, lang: p.lang })}
<label for="phone">${esc(t(p.lang, 'phone'))}</label><input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" placeholder="+91 98765 43210" required>
<button type="submit" class="secondary">${esc(t(p.lang, 'sendOtp'))}</button></form></details>`,
    p.langHref,
  );
}

export function otpPage(p: { lang: Lang; pending: string; challenge: string; phone: string; error?: string }): string {
  const err = p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : '';
  return page(
    p.lang,
    t(p.lang, 'title'),
    `${err}<p class="info">${esc(t(p.lang, 'otpSent', { phone: p.phone }))}</p>
<form method="post" action="/oauth2/authorize/otp/verify">${hidden({ pending: p.pending, challenge: p.challenge, phone: p.phone, lang: p.lang })}
<label for="code">${esc(t(p.lang, 'otp'))}</label><input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required autofocus>
<button type="submit">${esc(t(p.lang, 'verify'))}</button></form>`,
  );
}

/** A scope in words a clinician understands. */
export function describeScope(lang: Lang, scope: string): string {
  if (scope === 'offline_access' || scope === 'online_access') return t(lang, 'scopeOffline');
  if (scope === 'openid' || scope === 'fhirUser' || scope === 'profile') return t(lang, 'scopeIdentity');
  const s = parseResourceScope(scope);
  if (!s) return scope;
  const what = `${s.resourceType === '*' ? t(lang, 'allRecords') : s.resourceType}${s.query ? ` (${s.query})` : ''}`;
  const reads = s.permissions.has('r') || s.permissions.has('s');
  const writes = s.permissions.has('c') || s.permissions.has('u') || s.permissions.has('d');
  const key: MessageKey = reads && writes ? 'scopeAccess' : writes ? 'scopeWrite' : 'scopeRead';
  return `${t(lang, key, { what })}${s.context === 'patient' ? ` - ${t(lang, 'scopePatient')}` : ''}`;
}

export interface ConsentPageInput {
  lang: Lang;
  pending: string;
  appName: string;
  userName: string;
  scopes: string[];
  /** Standalone launch/patient: the patients to choose from, with the search that found them. */
  patientChoice?: { query: string; patients: { id: string; label: string }[] };
  patientLabel?: string;
}

export function consentPage(p: ConsentPageInput): string {
  const lines = [...new Set(p.scopes.filter((s) => !s.startsWith('launch')).map((s) => describeScope(p.lang, s)))];
  let patient = '';
  if (p.patientLabel) patient = `<p class="info">${esc(t(p.lang, 'patientContext', { patient: p.patientLabel }))}</p>`;
  if (p.patientChoice) {
    const options = p.patientChoice.patients
      .map(
        (x, i) =>
          `<label><input type="radio" form="consent" name="patient" value="${esc(x.id)}"${i === 0 ? ' checked' : ''}> ${esc(x.label)}</label>`,
      )
      .join('');
    patient = `<form method="post" action="/oauth2/authorize/consent">${hidden({ pending: p.pending, lang: p.lang, decision: 'search' })}
<label for="q">${esc(t(p.lang, 'searchPatient'))}</label><div class="row"><input id="q" name="q" type="text" value="${esc(p.patientChoice.query)}">
<button type="submit" class="secondary">${esc(t(p.lang, 'search'))}</button></div></form>
<fieldset><legend>${esc(t(p.lang, 'choosePatient'))}</legend>${options || `<p>${esc(t(p.lang, 'noPatients'))}</p>`}</fieldset>`;
  }
  return page(
    p.lang,
    t(p.lang, 'consentTitle', { app: p.appName }),
    `<p>${esc(t(p.lang, 'consentIntro', { user: p.userName, app: p.appName }))}</p><ul>${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
${patient}<form id="consent" method="post" action="/oauth2/authorize/consent">${hidden({ pending: p.pending, lang: p.lang })}
<button type="submit" name="decision" value="allow">${esc(t(p.lang, 'allow'))}</button>
<button type="submit" name="decision" value="deny" class="secondary">${esc(t(p.lang, 'deny'))}</button></form>`,
  );
}

export function errorPage(lang: Lang, message: string): string {
  return page(lang, t(lang, 'errorTitle'), `<p class="error" role="alert">${esc(message)}</p>`);
}
