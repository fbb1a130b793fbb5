// /docs in a real browser (Debian's Chromium, headless, driven by playwright-core), reached
// through a host name that is not localhost: browsers treat localhost as secure, so a page that
// only works there (an https-only asset, a policy that upgrades requests) looks fine on a
// developer's machine and blank everywhere else. `.ci/run` installs Chromium; without it this
// test fails, saying how to install it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { RunningPlatform } from '@app/server';
import { json, request, TEST_ISSUER, TEST_SECRET } from './support/auth-client.js';
import { startTestPlatform } from './support/platform.js';

const CHROMIUM = '/usr/bin/chromium';
/** Resolved to 127.0.0.1 by Chromium itself (no /etc/hosts entry needed). */
const HOST_NAME = 'gatehouse.test';

/** The flags these machines need: no sandbox as root, and no background calls to the outside. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`,
];

interface DocumentedOperation {
  method: string;
  path: string;
  audiences: string[] | undefined;
}

/**
 * Console errors that plain HTTP on a host other than localhost always causes and that break
 * nothing: the browser ignores the Cross-Origin-Opener-Policy header on an origin it does not
 * trust (the header applies once Gatehouse is served over HTTPS).
 */
const EXPECTED_ON_PLAIN_HTTP = [/The Cross-Origin-Opener-Policy header has been ignored, because the URL's origin was untrustworthy/];

describe(`/docs in headless Chromium through http://${HOST_NAME}`, () => {
  let platform: RunningPlatform;
  let userDataDir: string;
  let browser: BrowserContext;
  let page: Page;
  let docsUrl: string;
  let operations: DocumentedOperation[];
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed (${CHROMIUM} is missing): install it with \`apt-get install -y chromium\` (.ci/run does)`);
    }
    platform = await startTestPlatform({ PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER });
    const url = new URL(platform.url);
    url.hostname = HOST_NAME;
    docsUrl = new URL('/docs', url).href;

    const document = await json<{ paths: Record<string, Record<string, { 'x-audiences'?: string[] }>> }>(
      await request(platform.url, 'GET', '/docs-json'),
    );
    operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, operation]) => ({ method: method.toUpperCase(), path, audiences: operation['x-audiences'] })),
    );

    userDataDir = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage();
    page.on('requestfailed', (failed) => problems.push(`request failed: ${failed.url()} (${failed.failure()?.errorText})`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      const text = message.text();
      if (message.type() === 'error' && !EXPECTED_ON_PLAIN_HTTP.some((expected) => expected.test(text))) {
        problems.push(`console error: ${text}`);
      }
    });
    await page.goto(docsUrl, { waitUntil: 'networkidle' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true });
    await platform?.close();
  });

  it('is reached through a host name other than localhost, over plain HTTP', () => {
    expect(page.url()).toBe(docsUrl);
    expect(new URL(page.url()).protocol).toBe('http:');
  });

  it('renders the Swagger UI with the API title', async () => {
    await expect(page.locator('.swagger-ui .info .title').innerText()).resolves.toMatch(/^Gatehouse/);
  });

  it('lists every documented route, and for each guarded one the audiences its token must carry', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const blocks = page.locator('.opblock');
    await blocks.first().waitFor();
    expect(await blocks.count()).toBe(operations.length);

    const shown: DocumentedOperation[] = [];
    for (const { method, path } of operations) {
      const block = blocks.filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) }).filter({
        has: page.locator('.opblock-summary-method', { hasText: new RegExp(`^${method}$`) }),
      });
      await expect(block.count()).resolves.toBe(1);
      await block.locator('.opblock-summary-control').click();
      await block.locator('.opblock-body').waitFor();
      // The operation's extensions table: x-audiences and its value, e.g. ["web","api"].
      const row = block.locator('tr', { has: page.locator('td', { hasText: /^x-audiences$/ }) });
      const audiences = (await row.count()) === 0 ? undefined : (JSON.parse(await row.locator('td').nth(1).innerText()) as string[]);
      shown.push({ method, path, audiences });
    }
    expect(shown).toEqual(operations);
    expect(shown.filter((operation) => operation.audiences !== undefined).length).toBeGreaterThan(0);
  });

  it('loaded without a failed request, an error response or a script error', () => {
    expect(problems).toEqual([]);
  });
});
