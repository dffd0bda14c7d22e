// Lets a worker thread started from TypeScript sources (jest runs them uncompiled) require .ts
// files: compiled on require with swc and the repository's .swcrc (including its @gridproof/*
// paths). Production runs the compiled dist/, which never loads this file.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');

const root = join(__dirname, '..');
const options = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
delete options.$schema;
options.jsc.baseUrl = root;
options.sourceMaps = 'inline';

addHook((code, filename) => transformSync(code, { ...options, filename, swcrc: false }).code, { exts: ['.ts'] });
