import type { SimulatedMessage } from './recorded.ts';
import type { BusinessNumber, WebhookDelivery } from './webhooks.ts';

const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** GET /: what each phone number received, newest first, with each message's delivery statuses. */
export function renderPage(messages: SimulatedMessage[], numbers: BusinessNumber[], deliveries: WebhookDelivery[]): string {
  const byPhone = new Map<string, SimulatedMessage[]>();
  for (const m of messages) byPhone.set(m.to, [m, ...(byPhone.get(m.to) ?? [])]);
  const phones = [...byPhone.entries()]
    .map(([phone, list]) => {
      const rows = list
        .map((m) => {
          const what = m.template ? `template ${html(m.template.name)} (${html(m.template.language)})` : html(m.type);
          const doc = m.document ? `<div class="doc">📄 ${html(m.document.filename ?? m.document.link ?? m.document.id ?? '')}</div>` : '';
          const statuses = m.statuses.map((s) => `${s.status}${s.errorCode ? ` (${s.errorCode})` : ''}`).join(' → ');
          return `<li><div class="meta">${html(m.at)} · ${what} · <code>${html(m.id)}</code></div><div class="text">${html(m.text)}</div>${doc}<div class="status">${html(statuses)}</div></li>`;
        })
        .join('');
      return `<section><h2>+${html(phone)} <small>${list.length} message(s)</small></h2><ul>${rows}</ul></section>`;
    })
    .join('');
  const failedHooks = deliveries.filter((d) => d.responseStatus < 200 || d.responseStatus >= 300).length;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>WhatsApp Cloud API simulator</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:system-ui,'Noto Sans Devanagari',sans-serif;margin:2rem;max-width:60rem}section{border:1px solid #ccc;border-radius:8px;padding:0 1rem;margin:1rem 0}
ul{list-style:none;padding:0}li{border-top:1px solid #eee;padding:.5rem 0}.meta{color:#666;font-size:.85em}.text{white-space:pre-wrap;margin:.25rem 0}
.status{font-size:.85em;color:#075e54}.doc{font-size:.9em}</style></head><body>
<h1>WhatsApp Cloud API simulator</h1>
<p>Business numbers: ${numbers.map((n) => `${html(n.displayPhoneNumber)} (id ${html(n.phoneNumberId)})`).join(', ')}.
${deliveries.length} webhook(s) posted, ${failedHooks} not answered with 2xx. This page refreshes every 5 s.</p>
${phones || '<p>No messages yet.</p>'}
</body></html>`;
}
