export * from './roster';
export * from './errors';
export { DEFAULT_RETRY, retryDelay, type DeliveryReport, type RetryPolicy } from './outbox';
export { defaultTemplates, type EmailTemplates, type InvitationEmail, type RenderedEmail } from './templates';
export { sha256Hex, webCryptoRandom } from './crypto';
