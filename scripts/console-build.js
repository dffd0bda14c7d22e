// Bundles the crew and operator console (apps/console) with esbuild into one folder:
//   index.html             no-cache; names the hashed files below
//   assets/console-<hash>.js, assets/console-<hash>.css   immutable (their name changes with their content)
// Everything the console needs is in the bundle: nothing is fetched from a CDN at run time, and
// index.html has no inline script or style, so the server's Content-Security-Policy can forbid both.
'use strict';
const { mkdirSync, writeFileSync, readFileSync } = require('node:fs');
const { join, basename } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'apps', 'console', 'src');

/** Builds the console into `outdir`; returns the files written and their sizes in bytes. */
async function buildConsole(outdir) {
  const esbuild = require('esbuild');
  mkdirSync(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { console: join(source, 'main.tsx') },
    outdir: join(outdir, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(root, 'apps', 'console', 'tsconfig.json'),
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs);
  const pick = (ext) => {
    const found = outputs.find((f) => f.endsWith(ext) && !f.endsWith(`.LEGAL${ext}`) && !f.endsWith('.txt'));
    if (!found) throw new Error(`console build produced no ${ext} file`);
    return basename(found);
  };
  const html = readFileSync(join(source, 'index.html'), 'utf8')
    .replace('%CONSOLE_JS%', `assets/${pick('.js')}`)
    .replace('%CONSOLE_CSS%', `assets/${pick('.css')}`);
  writeFileSync(join(outdir, 'index.html'), html);
  return outputs.map((f) => ({ file: f, bytes: result.metafile.outputs[f].bytes }));
}

module.exports = { buildConsole };

if (require.main === module) {
  const out = process.argv[2] ?? join(root, 'dist', 'console');
  buildConsole(out).then(
    (files) => files.forEach((f) => console.log(`${f.bytes}\t${f.file}`)),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
