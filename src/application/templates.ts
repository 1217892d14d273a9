import type { Role } from '../domain/agent';

/** What an invitation email may say. `link` holds the only copy of the plaintext token. */
export type InvitationEmail = Readonly<{
  workspaceName: string;
  inviterName: string;
  email: string;
  role: Role;
  link: string;
  expiresAt: string;
  resent: boolean;
}>;

/** A rendered email. */
export type RenderedEmail = Readonly<{ subject: string; text: string; html?: string | null | undefined }>;

/** Replaceable email templates. */
export type EmailTemplates = Readonly<{
  /**
   * Renders the email that carries an invitation link, for a first send and a resend alike
   * (`resent` tells them apart, so the text can say the old link stopped working).
   *
   * @example invitation: (e) => ({ subject: `Join ${e.workspaceName}`, text: e.link })
   */
  invitation: (email: InvitationEmail) => RenderedEmail;
}>;

/**
 * Plain-text defaults in English. Replace them to translate or brand the emails.
 *
 * @example createRoster({ templates: { invitation: (e) => ({ subject: `Join ${e.workspaceName}`, text: e.link }) } })
 */
export const defaultTemplates: EmailTemplates = {
  invitation: (e) => ({
    subject: `${e.inviterName} invited you to ${e.workspaceName}`,
    text: [
      `Hi,`,
      ``,
      `${e.inviterName} invited you to join ${e.workspaceName} as ${e.role === 'admin' ? 'an admin (full access)' : 'an agent'}.`,
      `Accept the invitation here: ${e.link}`,
      ``,
      `The link works once and expires at ${e.expiresAt}.${e.resent ? ' It replaces any earlier invitation link.' : ''}`,
      `If you did not expect this email, you can ignore it.`,
    ].join('\n'),
    html: null,
  }),
};
