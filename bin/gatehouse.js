#!/usr/bin/env node
// The `gatehouse` command: runs the compiled server for `gatehouse start` and the compiled CLI
// for everything else (`npm ci` builds both through `prepare`). The two are separate apps; the
// CLI imports neither the server's root module nor anything else of it.
import { existsSync } from 'node:fs';

// `start` (with its own options, such as --dev) runs in this process: signals reach the server itself.
const start = process.argv[2] === 'start';
const entry = new URL(start ? '../dist/apps/platform/src/main.js' : '../dist/apps/cli/src/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('Gatehouse is not built yet: run `npm run build` (npm ci and npm install do it too)\n');
  process.exit(1);
}
if (start) process.argv.splice(2, 1);
await import(entry.href);
