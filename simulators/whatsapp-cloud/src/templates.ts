import { CloudApiError } from './errors.ts';

/** One approved (or not) language version of a message template, as WhatsApp Manager holds it. */
export interface TemplateDefinition {
  name: string;
  /** The exact code it was approved under: `en`, `en_US`, `hi`, ... (case-sensitive, underscore). */
  language: string;
  status?: 'APPROVED' | 'PENDING' | 'REJECTED' | 'PAUSED' | 'DISABLED';
  category?: 'UTILITY' | 'MARKETING' | 'AUTHENTICATION';
  /** Body text with positional parameters `{{1}}`, `{{2}}`...; their count is what a send must supply. */
  body: string;
  /** A media header the send must fill (a document for a PDF). */
  header?: 'document' | 'image';
}

export interface TemplateComponent {
  type?: string;
  sub_type?: string;
  index?: string | number;
  parameters?: { type?: string; text?: string; document?: { link?: string; id?: string; filename?: string }; image?: { link?: string } }[];
}

export interface TemplateRequest {
  name?: string;
  language?: { code?: string; policy?: string };
  components?: TemplateComponent[];
}

/** What a valid template send resolves to: the text the phone shows, and the document it carries. */
export interface RenderedTemplate {
  text: string;
  document?: { link?: string; id?: string; filename?: string };
}

/** The hospital's utility templates in English and Hindi: the defaults the bot's settings name. */
export const DEFAULT_TEMPLATES: TemplateDefinition[] = [
  t('appointment_booked', 'en', 'Hello {{1}}, your appointment with {{3}} is booked for {{2}}. Reply STOP to stop WhatsApp messages.'),
  t('appointment_booked', 'hi', 'नमस्ते {{1}}, {{3}} के साथ आपका अपॉइंटमेंट {{2}} के लिए बुक हो गया है। संदेश बंद करने के लिए STOP लिखें।'),
  t('appointment_rescheduled', 'en', 'Hello {{1}}, your appointment with {{3}} has moved to {{2}}.'),
  t('appointment_rescheduled', 'hi', 'नमस्ते {{1}}, {{3}} के साथ आपका अपॉइंटमेंट अब {{2}} को है।'),
  t('appointment_cancelled', 'en', 'Hello {{1}}, your appointment on {{2}} has been cancelled.'),
  t('appointment_cancelled', 'hi', 'नमस्ते {{1}}, {{2}} का आपका अपॉइंटमेंट रद्द कर दिया गया है।'),
  t('appointment_reminder_day_before', 'en', 'Reminder: {{1}}, you see {{3}} tomorrow, {{2}}.'),
  t('appointment_reminder_day_before', 'hi', 'याद दिलाना: {{1}}, कल {{2}} को {{3}} से आपका अपॉइंटमेंट है।'),
  t('appointment_reminder_two_hours', 'en', 'Reminder: {{1}}, your appointment with {{3}} is at {{2}}, in about two hours.'),
  t('appointment_reminder_two_hours', 'hi', 'याद दिलाना: {{1}}, {{3}} के साथ आपका अपॉइंटमेंट लगभग दो घंटे में, {{2}} पर है।'),
  { ...t('prescription_ready', 'en', 'Hello {{1}}, your prescription is attached.'), header: 'document' },
  { ...t('prescription_ready', 'hi', 'नमस्ते {{1}}, आपका पर्चा संलग्न है।'), header: 'document' },
  t('lab_results_ready', 'en', 'Hello {{1}}, your {{2}} results are ready. Please collect them or ask your doctor.'),
  t('lab_results_ready', 'hi', 'नमस्ते {{1}}, आपकी {{2}} जाँच की रिपोर्ट तैयार है।'),
  t('discharge_summary', 'en', 'Hello {{1}}, you have been discharged from {{2}}. Get well soon.'),
  t('discharge_summary', 'hi', 'नमस्ते {{1}}, आपको {{2}} से छुट्टी दे दी गई है। जल्दी स्वस्थ हों।'),
];

function t(name: string, language: string, body: string): TemplateDefinition {
  return { name, language, body, status: 'APPROVED', category: 'UTILITY' };
}

function placeholderCount(body: string): number {
  const numbers = [...body.matchAll(/\{\{(\d+)\}\}/g)].map((m) => Number(m[1]));
  return numbers.length ? Math.max(...numbers) : 0;
}

export class TemplateRegistry {
  private readonly byKey = new Map<string, TemplateDefinition>();

  constructor(templates: TemplateDefinition[] = DEFAULT_TEMPLATES) {
    for (const template of templates) this.upsert(template);
  }

  upsert(template: TemplateDefinition): void {
    this.byKey.set(`${template.name}\u0000${template.language}`, { status: 'APPROVED', category: 'UTILITY', ...template });
  }

  get(name: string, language: string): TemplateDefinition | undefined {
    return this.byKey.get(`${name}\u0000${language}`);
  }

  list(): TemplateDefinition[] {
    return [...this.byKey.values()];
  }

  /** Checks a send as the Cloud API does and renders it; throws CloudApiError with the documented code. */
  check(request: TemplateRequest | undefined): RenderedTemplate {
    if (!request?.name) throw new CloudApiError(131008, 'template.name is required.');
    const code = request.language?.code;
    if (!code) throw new CloudApiError(131008, 'template.language.code is required.');
    const template = this.get(request.name, code);
    if (!template || template.status === 'PENDING' || template.status === 'REJECTED')
      throw new CloudApiError(132001, `template name (${request.name}) does not exist in ${code}`);
    if (template.status === 'PAUSED') throw new CloudApiError(132015);
    if (template.status === 'DISABLED') throw new CloudApiError(132016);

    const components = request.components ?? [];
    const bodyParams = components.filter((c) => c.type === 'body').flatMap((c) => c.parameters ?? []);
    const expected = placeholderCount(template.body);
    if (bodyParams.length !== expected)
      throw new CloudApiError(
        132000,
        `body: number of localizable_params (${bodyParams.length}) does not match the expected number of params (${expected})`,
      );
    const texts = bodyParams.map((p, i) => {
      if (p.type !== 'text' || typeof p.text !== 'string' || p.text.trim() === '')
        throw new CloudApiError(131009, `body parameter ${i + 1} must be a non-empty text parameter.`);
      return p.text;
    });

    const headerParams = components.filter((c) => c.type === 'header').flatMap((c) => c.parameters ?? []);
    let document: RenderedTemplate['document'];
    if (template.header) {
      if (headerParams.length !== 1)
        throw new CloudApiError(
          132000,
          `header: number of parameters (${headerParams.length}) does not match the expected number of params (1)`,
        );
      const p = headerParams[0];
      const media = template.header === 'document' ? p.document : p.image;
      if (p.type !== template.header || !(media?.link || (media as { id?: string } | undefined)?.id))
        throw new CloudApiError(131009, `header parameter must be a ${template.header} with a link or a media id.`);
      document = template.header === 'document' ? p.document : undefined;
    } else if (headerParams.length > 0) {
      throw new CloudApiError(
        132000,
        `header: number of parameters (${headerParams.length}) does not match the expected number of params (0)`,
      );
    }
    const text = template.body.replace(/\{\{(\d+)\}\}/g, (_m, n: string) => texts[Number(n) - 1] ?? '');
    return { text, document };
  }
}
