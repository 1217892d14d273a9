import { parseEmail } from '../../domain/values';
import type { MailMessage, Mailer } from '../../ports/services';

/**
 * Keeps every message it is given; deduplicates by idempotency key like a good mail API, so
 * tests can count real deliveries. Set `failNext` or `failWhen` to simulate an outage. For tests
 * and demos only: it keeps every live invitation link in memory, for the life of the process
 * (it is the roster's default mailer, so pass your own in production).
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

  /**
   * The plaintext token in the newest email to `to`, read from its link whatever the link's shape
   * (`acceptUrl` is the host's: `?token=…`, `/join/…`, `?t=…&lang=fr`), in the text or, for a
   * template that puts the link in the HTML only, in the HTML. A token is 43 base64url characters
   * (32 random bytes); a `token=` parameter is taken first, then the last run of exactly 43 such
   * characters in the text, then in the HTML. `to` is read as the roster reads an address, so
   * any spelling of one mailbox finds its email (`Bob@Acme.com`, `bob@bücher.de`).
   *
   * @example mailer.lastTokenFor('bob@acme.com') // 'q3Xc…' (43 characters), or undefined if no email to Bob holds one
   */
  lastTokenFor(to: string): string | undefined {
    // Emails go to the canonical address: `Bob@Bücher.de` finds what was sent to bob@xn--bcher-kva.de.
    const address = parseEmail(to).unwrapOr(to);
    const message = [...this.sent].reverse().find((m) => m.to === address);
    if (!message) return undefined;
    for (const body of [message.text, message.html ?? '']) {
      const named = body.match(/[?&]token=([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/);
      if (named) return named[1];
    }
    for (const body of [message.text, message.html ?? '']) {
      const runs = body.match(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g);
      if (runs) return runs.at(-1);
    }
    return undefined;
  }
}

/**
 * Prints each email to the console: handy for examples and local development. Only there: it
 * writes every live invitation link into your logs.
 *
 * @example createRoster({ mailer: new ConsoleMailer() })
 */
export class ConsoleMailer implements Mailer {
  constructor(private readonly print: (line: string) => void = console.log) {}
  async send(message: MailMessage): Promise<void> {
    this.print(`✉  to ${message.to} — ${message.subject}\n${message.text.replace(/^/gm, '   │ ')}`);
  }
}
