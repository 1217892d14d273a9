/**
 * What a port threw, as text for `cause` (and for an outbox message's `lastError`). Reading it
 * must not throw in turn: a rejection with `Object.create(null)`, or an object whose `toString`
 * throws, made the use case reject instead of answering `ServiceUnavailable`. Internal: its own
 * module, so that `export * from './errors'` does not make it public.
 */
export const causeOf = (e: unknown): string => {
  try {
    return String(e instanceof Error ? e.message : e);
  } catch {
    return 'unprintable error';
  }
};
