#!/usr/bin/env node
// The gridproof command-line tool. Built by `npm run build` (run by `npm ci` through prepare).
require('../dist/apps/cli/src/main.js');
