import { randomBytes } from 'node:crypto';

/**
 * The Cloud API error codes the simulator produces, with the HTTP status, title and details Meta's
 * "Error codes" page gives them. Only codes a hospital's sender must handle are listed.
 */
export interface ErrorDefinition {
  status: number;
  title: string;
  details: string;
  /** Graph's error type; Cloud API errors are reported as OAuthException. */
  type?: string;
}

export const ERROR_CODES: Record<number, ErrorDefinition> = {
  100: { status: 400, title: 'Invalid parameter', details: 'The request included one or more unsupported or misspelled parameters.' },
  190: { status: 401, title: 'Access token has expired', details: 'The access token is invalid or has expired.' },
  80007: { status: 400, title: 'Rate limit issues', details: 'The WhatsApp Business Account has reached its rate limit.' },
  130429: { status: 400, title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  131000: { status: 500, title: 'Something went wrong', details: 'Message failed to send because of an unknown error.' },
  131008: { status: 400, title: 'Required parameter is missing', details: 'The request is missing a required parameter.' },
  131009: { status: 400, title: 'Parameter value is not valid', details: 'One or more parameter values are invalid.' },
  131026: {
    status: 400,
    title: 'Message undeliverable',
    details: 'Unable to deliver message: the recipient phone number is not a WhatsApp phone number, or cannot receive it.',
  },
  131047: {
    status: 400,
    title: 'Re-engagement message',
    details: 'More than 24 hours have passed since the recipient last replied to the sender number.',
  },
  131051: { status: 400, title: 'Unsupported message type', details: 'Unsupported message type.' },
  131056: {
    status: 400,
    title: '(Business Account, Consumer Account) pair rate limit hit',
    details: 'Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.',
  },
  132000: {
    status: 400,
    title: 'Number of parameters does not match the expected number of params',
    details:
      'The number of variable parameter values included in the request did not match the number of variable parameters defined in the template.',
  },
  132001: {
    status: 404,
    title: 'Template name does not exist in the translation',
    details: 'The template does not exist in the specified language or the template has not been approved.',
  },
  132015: {
    status: 400,
    title: 'Template is paused',
    details: 'Template is paused due to low quality so it cannot be sent in a template message.',
  },
  132016: {
    status: 400,
    title: 'Template is disabled',
    details: 'Template has been paused too many times due to low quality and is now permanently disabled.',
  },
};

/** Graph's JSON error body: `{ error: { message, type, code, error_data: { messaging_product, details }, fbtrace_id } }`. */
export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

export class CloudApiError extends Error {
  readonly code: number;
  readonly status: number;
  readonly details: string;
  constructor(code: number, details?: string) {
    const def = ERROR_CODES[code] ?? { status: 400, title: 'Error', details: '' };
    super(def.title);
    this.code = code;
    this.status = def.status;
    this.details = details ?? def.details;
  }

  body(): GraphErrorBody {
    return {
      error: {
        message: `(#${this.code}) ${this.message}`,
        type: ERROR_CODES[this.code]?.type ?? 'OAuthException',
        code: this.code,
        error_data: { messaging_product: 'whatsapp', details: this.details },
        fbtrace_id: randomBytes(12).toString('base64url'),
      },
    };
  }

  /** The same error as a failed status webhook carries it in `statuses[].errors[]`. */
  webhookError(): { code: number; title: string; message: string; error_data: { details: string } } {
    return { code: this.code, title: this.message, message: this.message, error_data: { details: this.details } };
  }
}

export function isKnownErrorCode(code: number): boolean {
  return code in ERROR_CODES;
}
