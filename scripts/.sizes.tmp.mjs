import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const entry = process.argv[2] ?? 'src/index.ts';
const contents = process.argv[3];
const r = await build({
  ...(contents ? { stdin: { contents, resolveDir: process.cwd(), loader: 'ts' } } : { entryPoints: [entry] }),
  bundle: true, minify: true, format: 'esm', write: false, metafile: true, treeShaking: true,
  external: ['zod', 'neverthrow', 'date-fns', 'node:*'], platform: 'neutral',
});
const out = r.outputFiles[0].contents;
console.log('total min', out.length, 'gz', gzipSync(out).length);
const o = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(o.inputs).map(([k, v]) => [k, v.bytesInOutput]).sort((a, b) => b[1] - a[1]);
for (const [k, v] of rows.slice(0, 40)) console.log(String(v).padStart(7), k);
