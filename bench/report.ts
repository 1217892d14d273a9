/**
 * Printing: times with a readable unit, ratios, goals, and Markdown tables, so the output pastes
 * straight into docs/performance.md.
 */
import os from 'node:os';

/**
 * A duration given in nanoseconds, in the unit that keeps it readable.
 *
 * @example duration(1530) // '1.53 µs'
 */
export function duration(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns < 1_000) return `${ns.toFixed(ns < 10 ? 2 : ns < 100 ? 1 : 0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : ns < 100_000 ? 1 : 0)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 2 : 1)} ms`;
  return `${(ns / 1_000_000_000).toFixed(2)} s`;
}

/** @example ratio(2.345) // '2.35×' */
export function ratio(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)}×`;
}

/** @example perSecond(12345.6) // '12,346/s' */
export function perSecond(value: number): string {
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

/** @example count(100000) // '100,000' */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/**
 * Whether a measured figure meets its goal, as a table cell. The benchmark never fails on it:
 * the verdict is information for the reader, and docs/performance.md explains each miss.
 *
 * @example verdict(1.05 <= 1.2) // 'yes'
 */
export function verdict(met: boolean): string {
  return met ? 'yes' : '**no**';
}

/**
 * Prints a Markdown table with padded columns; numeric-looking cells are right-aligned.
 *
 * @example table(['command', 'median'], [['inviteAgent', '2.1 µs']])
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => /^[\d~≤≥<>-]|^n\/a$/.test(r[c] ?? '')));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w, c) => (numeric[c] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** Prints a section heading. @example heading('1. Command cost by workspace size') */
export function heading(title: string): void {
  console.log(`\n## ${title}\n`);
}

/** Prints the machine the numbers come from: they mean nothing without it. @example machine() */
export function machine(): void {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown';
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length;
  console.log('# agent-roster benchmark\n');
  table(
    ['machine', ''],
    [
      ['node', process.version],
      ['v8', process.versions.v8],
      ['os', `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`],
      ['cpu', model],
      ['cores', `${cores} (os.cpus(): ${cpus.length})`],
      ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
      // Other work on the machine moves every figure; the load average says how much there was.
      ['load average', os.loadavg().map((l) => l.toFixed(2)).join(' / ') + ' (1 / 5 / 15 min, at start)'],
      ['date', new Date().toISOString()],
    ],
  );
}
