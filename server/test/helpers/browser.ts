import { createHash } from 'node:crypto';
/**
 * A tiny form-filling "browser" for the sign-in pages: follows redirects by hand, keeps cookies,
 * reads hidden fields and posts forms, the way a person clicking through would.
 */
export class FormBrowser {
  private readonly cookies = new Map<string, string>();
  lastHtml = '';

  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(url, { redirect: 'manual', headers: { ...this.cookieHeader(), ...headers } });
    this.remember(res);
    if (res.headers.get('content-type')?.includes('html')) this.lastHtml = await res.clone().text();
    return res;
  }

  async post(url: string, fields: Record<string, string>): Promise<Response> {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.cookieHeader() },
      body: new URLSearchParams(fields),
    });
    this.remember(res);
    if (res.headers.get('content-type')?.includes('html')) this.lastHtml = await res.clone().text();
    return res;
  }

  /** The value of a named hidden input in the last page. */
  field(name: string): string {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(this.lastHtml);
    if (!m) throw new Error(`No field ${name} in page: ${this.lastHtml.slice(0, 500)}`);
    return m[1].replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }

  /**
   * Signs in on the login page shown last and allows on the consent page that follows (none for
   * a pre-approved app or one this user allowed before: the sign-in answers with the redirect).
   */
  async signInAndAllow(origin: string, login: string, password: string, extra: Record<string, string> = {}): Promise<Response> {
    const consent = await this.post(`${origin}/oauth2/authorize/login`, { pending: this.field('pending'), login, password });
    if (consent.status === 302) return consent;
    if (consent.status !== 200) throw new Error(`sign-in failed: ${consent.status}`);
    return this.allow(origin, extra);
  }

  async allow(origin: string, extra: Record<string, string> = {}): Promise<Response> {
    return this.post(`${origin}/oauth2/authorize/consent`, { pending: this.field('pending'), decision: 'allow', ...extra });
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  const hash = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge: hash };
}
