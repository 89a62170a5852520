/** Sends SMS (OTP codes). Production wires an SMS gateway behind this interface. */
export interface SmsSender {
  send(to: string, text: string): Promise<void>;
}

export interface SentSms {
  to: string;
  text: string;
  at: Date;
}

/**
 * The development and test simulator: keeps every message in memory (newest last) so tests and
 * the local demo can read the OTP that "was sent". Never reaches a network.
 */
export class RecordingSmsSender implements SmsSender {
  readonly sent: SentSms[] = [];
  private readonly log: (msg: SentSms) => void;

  constructor(log: (msg: SentSms) => void = () => {}) {
    this.log = log;
  }

  async send(to: string, text: string): Promise<void> {
    const msg = { to, text, at: new Date() };
    this.sent.push(msg);
    if (this.sent.length > 1000) this.sent.shift();
    this.log(msg);
  }

  lastTo(to: string): SentSms | undefined {
    return this.sent.findLast((m) => m.to === to);
  }
}
