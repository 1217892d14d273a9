import { parseEmail } from '../../domain/values';
import type { AccountDirectory } from '../../ports/services';

/**
 * A fixed set of standalone accounts, compared by canonical email.
 *
 * @example new MemoryAccountDirectory(['owner@elsewhere.com'])
 */
export class MemoryAccountDirectory implements AccountDirectory {
  readonly #emails = new Set<string>();
  constructor(emails: Iterable<string> = []) {
    for (const e of emails) this.add(e);
  }
  /**
   * Registers a standalone account, by canonical email, so inviting that email is refused from
   * now on (an address that does not parse is kept trimmed and lower-cased). Chainable.
   *
   * @example accounts.add('Bob@Elsewhere.com').add('cy@elsewhere.com')
   */
  add(email: string): this {
    this.#emails.add(parseEmail(email).unwrapOr(email.trim().toLowerCase() as never));
    return this;
  }
  /**
   * Forgets a standalone account, as when its owner deletes it, so the email can be invited again.
   * Chainable.
   *
   * @example accounts.delete('bob@elsewhere.com')
   */
  delete(email: string): this {
    this.#emails.delete(parseEmail(email).unwrapOr(email.trim().toLowerCase() as never));
    return this;
  }
  async isStandaloneAccount(email: string) {
    return this.#emails.has(email);
  }
}
