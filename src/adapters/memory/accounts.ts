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
  add(email: string): this {
    this.#emails.add(parseEmail(email).unwrapOr(email.trim().toLowerCase() as never));
    return this;
  }
  delete(email: string): this {
    this.#emails.delete(parseEmail(email).unwrapOr(email.trim().toLowerCase() as never));
    return this;
  }
  async isStandaloneAccount(email: string) {
    return this.#emails.has(email);
  }
}
