export * from './roster';
export * from './errors';
export {
  agentFilterSchema,
  agentPageSchema,
  DEFAULT_PAGE_SIZE,
  eventPageSchema,
  invitationFilterSchema,
  invitationPageSchema,
  MAX_PAGE_SIZE,
  outboxPageSchema,
  type Cursor,
  type Page,
} from './listings';
export { DEFAULT_RETRY, retryDelay, type DeliveryReport, type RetryPolicy } from './outbox';
export { defaultTemplates, type EmailTemplates, type InvitationEmail, type RenderedEmail } from './templates';
export { sha256Hex, webCryptoRandom } from './crypto';
