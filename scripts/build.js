#!/usr/bin/env node
// Compiles the TypeScript sources into dist/ without pulling files out from under a running
// process: swc writes into a private directory first, then each file is moved into dist/ with
// rename(2), which replaces it atomically, and only then are files that no source produces any
// more removed. A process that is running from dist/ (npm start, a benchmark, the CLI) sees
// either the old or the new version of a file, never a missing one. Concurrent builds each use
// their own staging directory and produce the same files.
// The crew console (apps/console) is a browser bundle: esbuild builds it into dist/console
// (scripts/console-build.js), swc leaves it alone.
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, readdirSync, renameSync, rmSync, statSync, existsSync } = require('node:fs');
const { join, relative, dirname } = require('node:path');
const { buildConsole } = require('./console-build');

const root = join(__dirname, '..');
const SOURCES = ['apps', 'libs', 'firmware-sim', 'dashboards', 'bench'];
const dist = join(root, 'dist');
const staging = join(root, `.dist-staging-${process.pid}`);

function filesBelow(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(path));
    else out.push(path);
  }
  return out;
}

function removeEmptyDirs(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyDirs(join(dir, entry.name));
  }
  if (dir !== dist && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
}

async function build() {
  execFileSync(
    join(root, 'node_modules', '.bin', 'swc'),
    [...SOURCES, '-d', staging, '--config-file', '.swcrc', '--copy-files', '--quiet', '--ignore', 'apps/console/**'],
    { cwd: root, stdio: 'inherit' },
  );
  await buildConsole(join(staging, 'console'));
  const built = new Set();
  for (const file of filesBelow(staging)) {
    const rel = relative(staging, file);
    const target = join(dist, rel);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(file, target);
    built.add(rel);
  }
  for (const file of filesBelow(dist)) {
    if (!built.has(relative(dist, file)) && statSync(file).isFile()) rmSync(file);
  }
  removeEmptyDirs(dist);
}

build()
  .catch((err) => {
    console.error(err.message ?? err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(staging, { recursive: true, force: true }));
