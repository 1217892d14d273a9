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
 * `text` with the characters a reader cannot see written as `\u` escapes (`\u{…}` above U+FFFF):
 * control and format characters (a zero-width space, a direction mark, U+0085), the default
 * ignorable ones (a variation selector, U+034F), blank letters (U+3164, U+115F, U+1160, the
 * braille blank U+2800), line and paragraph separators, and spaces other than the ASCII one. A
 * step that names `ana\u200B@shop.com` then does not read as `ana@shop.com`.
 */
export function visible(text: string): string {
  return text.replace(HIDDEN, (c) => {
    const hex = c.codePointAt(0)!.toString(16).toUpperCase();
    return hex.length > 4 ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
  });
}

const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u115F\u1160\u2800\u3164]|(?! )\p{Zs}/gu;

/** What was thrown, as a failure message shows it: an Error by name and message. */
export function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}
