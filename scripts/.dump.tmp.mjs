import { build } from 'esbuild';
const r = await build({ stdin: { contents: process.argv[2], resolveDir: process.cwd(), loader: 'ts' }, bundle: true, minify: true, format: 'esm', write: false, external: ['zod', 'neverthrow', 'date-fns'], platform: 'neutral' });
process.stdout.write(r.outputFiles[0].text);
