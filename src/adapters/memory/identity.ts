import type { AgentId, WorkspaceId } from '../../domain/ids';
import type { Identity } from '../../ports/services';

/**
 * A stand-in for the host's sign-in system. Stores a SHA-256 of each password (never the
 * password) so tests can check which password a login got; `sessions` maps session values to
 * signed-in emails.
 *
 * @example const identity = new MemoryIdentity(); identity.sessions.set('cookie-1', 'ana@shop.com')
 */
export class MemoryIdentity implements Identity {
  readonly logins = new Map<AgentId, { workspaceId: WorkspaceId; email: string; passwordSha256: string }>();
  readonly sessions = new Map<unknown, string>();

  async createLogin(login: Readonly<{ agentId: AgentId; workspaceId: WorkspaceId; email: string; password: string }>) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(login.password)));
    this.logins.set(login.agentId, {
      workspaceId: login.workspaceId,
      email: login.email,
      passwordSha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
    });
  }
  async deleteLogin(agentId: AgentId) {
    this.logins.delete(agentId);
  }
  async signedInEmail(session: unknown) {
    return this.sessions.get(session) ?? null;
  }
}
