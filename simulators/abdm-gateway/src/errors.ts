/**
 * ABDM's error codes as the gateway returns them: HTTP 400 with `{error: {code, message}}`, or
 * for authentication the API manager's `{code: "9009xx", message, description}` with 401. Codes
 * and messages are those of NHA's published error list (a code can carry more than one message).
 */
export const ABDM_ERRORS = {
  invalidBody: ['ABDM-1006', 'Bad Request, invalid request Body'],
  invalidHiType: ['ABDM-1006', 'Invalid HIType'],
  validationFailed: ['ABDM-1010', 'Validation failed'],
  invalidTimestamp: ['ABDM-1016', 'Invalid TimeStamp'],
  invalidTransaction: ['ABDM-1017', 'Invalid TransactionId'],
  invalidServiceId: ['ABDM-1025', 'Invalid ServiceId'],
  invalidLinkToken: ['ABDM-1026', 'Invalid Link Token'],
  hipUnavailable: ['ABDM-1028', 'HIP is unavailable'],
  invalidRequestId: ['ABDM-1030', 'Invalid request ID'],
  invalidHeader: ['ABDM-1032', 'Invalid header'],
  hiuUnavailable: ['ABDM-1033', 'HIU is unavailable'],
  invalidHipId: ['ABDM-1035', 'Invalid HIP ID'],
  linkTokenAbhaMismatch: ['ABDM-1038', 'ABHA address and Link token mismatch'],
  invalidHiuId: ['ABDM-1040', 'Invalid HIU ID'],
  timeout: ['ABDM-1048', 'Timeout'],
  unknownResponse: ['ABDM-1052', "Invalid TransactionId or response's requestId"],
  consentNotGranted: ['ABDM-1062', 'Consent Not granted'],
  linkTokenHipMismatch: ['ABDM-1063', 'HIP Id mismatch with Link token'],
  invalidDateRange: ['ABDM-1063', 'Date Range given is invalid'],
  duplicateRequest: ['ABDM-1064', 'request with this request id already exists'],
  bodyMissing: ['ABDM-1064', 'Request body was missing'],
  duplicatePatientShare: ['ABDM-1087', 'Duplicate patient share request'],
  duplicateHipLink: ['ABDM-1090', 'Duplicate HIP link request'],
  duplicateLinkToken: ['ABDM-1092', 'Duplicate Link token request'],
  duplicateBridgePatch: ['ABDM-1094', 'Duplicate bridge patch request'],
  duplicateBridgeService: ['ABDM-1095', 'Duplicate Bridge service request'],
  duplicateOnDiscover: ['ABDM-1106', 'Duplicate On discovery request'],
  duplicateOnInit: ['ABDM-1107', 'Duplicate On init request'],
  duplicateOnConfirm: ['ABDM-1108', 'Duplicate On confirm request'],
  // ABHA service (M1). Only ABDM-1114 is documented (NOTES §4.2); the other codes are the
  // simulator's own, and a bridge must key on the HTTP status and the call, not on them.
  noAbha: ['ABDM-1114', 'No ABHA number is registered for these details'],
  aadhaarNotFound: ['ABDM-1116', 'Aadhaar number does not exist'],
  abhaAddressTaken: ['ABDM-1118', 'This ABHA address already exists'],
  invalidOtp: ['ABDM-1204', 'Entered OTP is incorrect. Kindly re-enter valid OTP.'],
  invalidXToken: ['ABDM-1209', 'Invalid or expired X-token'],
  invalidConsentArtefact: ['ABDM-1112', 'Invalid or already expired consent artefact id'],
  duplicateDataFlowResponse: ['ABDM-1113', 'Duplicate health information provider data flow response'],
  invalidAbhaAddress: ['ABDM-1170', 'Invalid ABHA address'],
  invalidCmId: ['ABDM-2403', 'Invalid X-CM-ID'],
} as const satisfies Record<string, readonly [string, string]>;

export type AbdmErrorName = keyof typeof ABDM_ERRORS;

export class AbdmError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(name: AbdmErrorName, detail?: string, status = 400) {
    const [code, message] = ABDM_ERRORS[name];
    super(detail ? `${message}: ${detail}` : message);
    this.code = code;
    this.status = status;
  }
  body() {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The API manager's answers to a missing or bad bearer token (before any ABDM code). */
export class AuthError extends Error {
  readonly code: '900901' | '900902';
  constructor(missing: boolean) {
    super(missing ? 'Missing Credentials' : 'Invalid Credentials');
    this.code = missing ? '900902' : '900901';
  }
  body() {
    return {
      code: this.code,
      message: this.message,
      description:
        this.code === '900902'
          ? 'Make sure your API invocation call has a header: "Authorization : Bearer ACCESS_TOKEN"'
          : 'Access failure for API, make sure you have given the correct credentials',
    };
  }
}
