/**
 * How the testing kit's failure messages show a value and a throw: one way for scenarios and for
 * the model-based runner. Internal: not re-exported from `agent-roster/testing`.
 *
 * @module
 * @internal
 */

/** A value as a failure message shows it: JSON, cut at 2,000 characters; a function by name only. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 2000 ? `${json.slice(0, 2000)}…` : json;
  } catch {
    return String(value);
  }
}

/**
 * `text` with the characters a reader cannot see written as `\u` escapes: format characters
 * (a zero-width space, a direction mark), line and paragraph separators, and spaces other than
 * the ASCII one. A step that names `ana\u200B@shop.com` then does not read as `ana@shop.com`.
 */
export function visible(text: string): string {
  return text.replace(/[\p{Cf}\p{Zl}\p{Zp}\p{Zs}]/gu, (c) => (c === ' ' ? c : `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`));
}

/** What was thrown, as a failure message shows it: an Error by name and message. */
export function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}
