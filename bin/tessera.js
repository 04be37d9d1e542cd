#!/usr/bin/env node
// The `tessera` command (package.json "bin"): runs the compiled CLI (src/cli.ts) from dist/.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'src', 'cli.js');
if (!existsSync(compiled)) {
  process.stderr.write('tessera: not built yet: run `npm run build:server` (or `npm run build`) first.\n');
  process.exit(69);
}
require(compiled)
  .runCli(process.argv.slice(2))
  .then((code) => process.exit(code));
