#!/usr/bin/env node
// The `gatehouse` command: runs the compiled CLI (`npm ci` builds it through `prepare`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/apps/cli/src/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('Gatehouse is not built yet: run `npm run build` (npm ci and npm install do it too)\n');
  process.exit(1);
}
await import(entry.href);
