#!/usr/bin/env node
// Regenerates src/client/gatehouse-api.ts from Gatehouse's OpenAPI document:
//   npm run generate:api-types -w @gatehouse/nest                         # a Gatehouse on http://127.0.0.1:3000
//   npm run generate:api-types -w @gatehouse/nest -- http://host:port/docs-json
//   npm run generate:api-types -w @gatehouse/nest -- ./docs.json          # a document saved to a file
import { readFile, writeFile } from 'node:fs/promises';
import { API_TYPES_FILE, generateApiTypes } from './api-types.mjs';

const source = process.argv[2] ?? 'http://127.0.0.1:3000/docs-json';
let document;
if (/^https?:\/\//.test(source)) {
  const response = await fetch(source).catch((error) => {
    console.error(`Cannot fetch ${source}: ${error.cause?.message ?? error.message}. Is Gatehouse running (npm run dev)?`);
    process.exit(1);
  });
  if (!response.ok) {
    console.error(`${source} answered ${response.status}`);
    process.exit(1);
  }
  document = await response.json();
} else {
  document = JSON.parse(await readFile(source, 'utf8'));
}
await writeFile(API_TYPES_FILE, await generateApiTypes(document));
console.log(`Wrote ${API_TYPES_FILE.pathname} from ${source}`);
