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
    this.#emails.add(canonical(email));
    return this;
  }
  /**
   * Forgets a standalone account, as when its owner deletes it, so the email can be invited again.
   * Chainable.
   *
   * @example accounts.delete('bob@elsewhere.com')
   */
  delete(email: string): this {
    this.#emails.delete(canonical(email));
    return this;
  }
  /**
   * Whether a standalone account holds the email, compared by canonical email as `add` keeps it
   * (the roster passes canonical emails; a host may pass one as typed).
   *
   * @example await accounts.isStandaloneAccount('BOB@elsewhere.com') // true after add('bob@elsewhere.com')
   */
  async isStandaloneAccount(email: string) {
    return this.#emails.has(email) || this.#emails.has(canonical(email));
  }
}

/** The canonical email, or, for an address that does not parse, the text trimmed and lower-cased. */
const canonical = (email: string): string => parseEmail(email).unwrapOr(email.trim().toLowerCase() as never);
