import { runPlatform } from './bootstrap.js';

// `node dist/apps/platform/src/main.js` is `gatehouse start` without the CLI.
await runPlatform();
