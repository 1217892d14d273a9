import type { MailMessage, Mailer } from '../../ports/services';

/**
 * Keeps every message it is given; deduplicates by idempotency key like a good mail API, so
 * tests can count real deliveries. Set `failNext` or `failWhen` to simulate an outage.
 *
 * @example const mailer = new CapturingMailer(); … mailer.sent.at(-1)?.text
 */
export class CapturingMailer implements Mailer {
  readonly sent: MailMessage[] = [];
  readonly #seen = new Set<string>();
  /** Calls that threw. */
  failures = 0;
  /** Decides per call whether to fail; default never. */
  failWhen: (message: MailMessage, call: number) => boolean = () => false;
  #calls = 0;

  async send(message: MailMessage): Promise<void> {
    await Promise.resolve();
    if (this.failWhen(message, ++this.#calls)) {
      this.failures++;
      throw new Error('mailer unavailable (simulated)');
    }
    if (this.#seen.has(message.idempotencyKey)) return;
    this.#seen.add(message.idempotencyKey);
    this.sent.push(message);
  }

  /** The plaintext token in the newest email to `to`, read from its link. */
  lastTokenFor(to: string): string | undefined {
    const text = [...this.sent].reverse().find((m) => m.to === to)?.text;
    return text?.match(/token=([A-Za-z0-9_-]{43})/)?.[1];
  }
}

/**
 * Prints each email to the console: handy for examples and local development.
 *
 * @example createRoster({ mailer: new ConsoleMailer() })
 */
export class ConsoleMailer implements Mailer {
  constructor(private readonly print: (line: string) => void = console.log) {}
  async send(message: MailMessage): Promise<void> {
    this.print(`✉  to ${message.to} — ${message.subject}\n${message.text.replace(/^/gm, '   │ ')}`);
  }
}
