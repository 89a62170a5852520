import type { Response } from 'express';

/** An OAuth 2.0 error (RFC 6749 section 5.2): answered as JSON `{error, error_description}`. */
export class OAuthError extends Error {
  readonly error: string;
  readonly status: number;
  constructor(error: string, description: string, status = 400) {
    super(description);
    this.error = error;
    this.status = status;
  }
}

export function sendOAuthError(res: Response, err: OAuthError): void {
  res.set('Cache-Control', 'no-store');
  if (err.status === 401) res.set('WWW-Authenticate', 'Basic realm="oauth2"');
  res.status(err.status).json({ error: err.error, error_description: err.message });
}
