/**
 * The core claims to run wherever Web standards do: browsers, edge workers, Deno, Bun. Two proofs:
 *   1. esbuild bundles src/index.ts for a neutral (non-Node) platform with zod, neverthrow and
 *      nothing else (the core has no other dependency), and the result names no Node built-in;
 *   2. that bundle runs the whole invite → accept flow (scripts/smoke/flow.cjs, the same story the
 *      packed tarball runs under Node, Bun and Deno) in a `vm` context whose only globals are Web
 *      ones: no `process`, `require`, `Buffer` or `setImmediate` to lean on by accident.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLED_DEPENDENCIES = ['zod', 'neverthrow'];

/** What a browser tab, a Cloudflare Worker and Deno all provide. Nothing Node-only. */
function webOnlyGlobals(): Record<string, unknown> {
  return {
    crypto: globalThis.crypto,
    TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    structuredClone,
    console,
    setTimeout,
    clearTimeout,
    queueMicrotask,
    atob,
    btoa,
    AbortController,
    AbortSignal,
    Event,
    EventTarget,
    DOMException,
    performance,
  };
}

let code = '';
let metafile: Metafile;

beforeAll(async () => {
  const result = await build({
    entryPoints: [`${root}src/index.ts`],
    bundle: true,
    platform: 'neutral',
    // A neutral platform has no default main fields; these are what a browser bundler would read.
    mainFields: ['browser', 'module', 'main'],
    format: 'iife',
    globalName: 'AgentRoster',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  code = result.outputFiles[0]!.text;
  metafile = result.metafile;
});

describe('the core bundled for a non-Node platform', () => {
  it('carries zod and neverthrow inside and imports nothing from outside', () => {
    const inputs = Object.keys(metafile.inputs);
    for (const dependency of BUNDLED_DEPENDENCIES) {
      expect(inputs.some((i) => i.includes(`node_modules/${dependency}/`)), `${dependency} is bundled`).toBe(true);
    }
    const outputs = Object.values(metafile.outputs);
    expect(outputs.flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path))).toEqual([]);
  });

  it('names no Node built-in module', () => {
    const names = builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&'));
    const builtin = `(?:node:[\\w/]+|${names.join('|')})`;
    const patterns = [
      new RegExp(`\\brequire\\s*\\(\\s*["'\`]${builtin}["'\`]\\s*\\)`, 'g'),
      new RegExp(`\\bfrom\\s*["'\`]${builtin}["'\`]`, 'g'),
      new RegExp(`\\bimport\\s*\\(\\s*["'\`]${builtin}["'\`]\\s*\\)`, 'g'),
      /["'`]node:[\w/]+["'`]/g,
    ];
    const found = patterns.flatMap((p) => code.match(p) ?? []);
    expect(found).toEqual([]);
  });

  it('runs the invite → accept flow with nothing but Web globals', async () => {
    const context = vm.createContext(webOnlyGlobals(), { name: 'web-only' });
    // The sandbox is real only if Node's own globals are absent; check before trusting it.
    expect(vm.runInContext('[typeof process, typeof require, typeof Buffer, typeof setImmediate, typeof global]', context)).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ]);

    vm.runInContext(code, context, { filename: 'agent-roster.neutral.js' });
    const flowSource = readFileSync(`${root}scripts/smoke/flow.cjs`, 'utf8');
    const flow = vm.runInContext(`(() => { const module = { exports: {} }; ${flowSource}\n; return module.exports; })()`, context, {
      filename: 'flow.cjs',
    }) as { runRosterFlow: (api: unknown) => Promise<string>; runDomainFlow: (api: unknown) => Promise<string> };
    const api = vm.runInContext('AgentRoster', context) as unknown;

    await expect(flow.runRosterFlow(api)).resolves.toMatch(/^roster: Bookshop has Bob .* refused with InvitationAlreadyAccepted$/);
    await expect(flow.runDomainFlow(api)).resolves.toMatch(/no invariant broken; a guessed token is refused with InvalidToken$/);
  });
});
