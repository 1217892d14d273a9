/**
 * BROKEN ON PURPOSE: a store that applies some of a listing's filters to the page its LIMIT kept,
 * instead of before it: `listAgents` takes the status into its query (an index on status and
 * joining time) and keeps the available, or the department's, agents among the page in code;
 * `listInvitations` filters the page by status in code. Unpaged, or with a page large enough,
 * it answers right; with the limit of a screen, a page comes back short, and the roster, which
 * reads a short page as the end of the listing, shows two online agents of twenty and no next page.
 */
import { hasPassed, MemoryRosterStore, type AgentFilter, type AgentKey, type InvitationFilter, type InvitationKey, type PageBounds, type WorkspaceId } from 'agent-roster';

export class LateFilterStore extends MemoryRosterStore {
  constructor(private readonly listing: 'listAgents' | 'listInvitations') {
    super({ lockWorkspaces: false });
  }

  override async listAgents(workspaceId: WorkspaceId, filter: AgentFilter = {}, page: PageBounds<AgentKey> = {}) {
    if (this.listing !== 'listAgents') return super.listAgents(workspaceId, filter, page);
    const rows = await super.listAgents(workspaceId, filter.status === undefined ? {} : { status: filter.status }, page);
    return rows.filter(
      (a) => (filter.availability === undefined || a.availability === filter.availability) && (filter.departmentId === undefined || a.departmentIds.includes(filter.departmentId)),
    );
  }

  override async listInvitations(workspaceId: WorkspaceId, filter: InvitationFilter = {}, page: PageBounds<InvitationKey> = {}) {
    if (this.listing !== 'listInvitations') return super.listInvitations(workspaceId, filter, page);
    const { status, now } = filter;
    const rows = await super.listInvitations(workspaceId, {}, page);
    const shown = (i: (typeof rows)[number]) => (now !== undefined && i.status === 'pending' && hasPassed(i.expiresAt, now) ? 'expired' : i.status);
    return rows.filter((i) => status === undefined || shown(i) === status);
  }
}
