import type { RunningPlatform } from '@app/server';
import { json, login, PASSWORD, registerUser, request, signIn, TEST_ISSUER, TEST_SECRET, uniqueEmail } from './support/auth-client.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { startGatehouseServer } from './support/gatehouse-process.js';
import { startTestPlatform, testDatabaseUrl } from './support/platform.js';
import { onFreePort } from './support/ports.js';
import { expectError } from './support/responses.js';

interface Operation {
  security?: Record<string, string[]>[];
  'x-audiences'?: string[];
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
}

describe('OpenAPI', () => {
  const logger = new CapturingLogger();
  let platform: RunningPlatform;
  let document: {
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, unknown>; schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  /** Every route the application mapped, from Nest's own start-up log. */
  let routes: { path: string; method: string }[];

  beforeAll(async () => {
    // /metrics is in the document only when it is served on this port.
    platform = await startTestPlatform({ PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER, METRICS_PUBLIC: 'true' }, logger);
    routes = logger.entries
      .map((entry) => /^Mapped \{(.+), (\w+)\} route$/.exec(entry.message))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ path: match[1], method: match[2].toLowerCase() }));
    document = await json(await request(platform.url, 'GET', '/docs-json'));
  });
  afterAll(() => platform.close());

  it('serves the interactive documentation at /docs', async () => {
    const response = await request(platform.url, 'GET', '/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('swagger');
  });

  it('declares the bearer scheme', () => {
    expect(document.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('lists every route the application serves', () => {
    // 8 under /auth, 11 under /workspaces, 3 under /invitations, 3 under /oauth, 2 under /.well-known, 2 health checks and /metrics.
    expect(routes).toHaveLength(30);
    const missing = routes.filter(({ path, method }) => document.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method] === undefined);
    expect(missing).toEqual([]);
  });

  it('marks exactly the routes the guard protects as bearer-secured, with their audiences', async () => {
    for (const { path, method } of routes) {
      const operation = document.paths[path.replace(/:(\w+)/g, '{$1}')][method];
      const concrete = path.replace(/:(\w+)/g, '00000000-0000-4000-8000-000000000000');
      const response = await request(platform.url, method.toUpperCase(), concrete, {
        body: method === 'get' || method === 'delete' ? undefined : {},
      });
      const guarded = response.status === 401 && (await json(response)).message === 'Missing Authorization header';
      if (guarded) {
        expect({ path, method, security: operation.security }).toEqual({ path, method, security: [{ bearer: [] }] });
        // Workspaces, invitations and the management of the user's sessions serve the user's own apps (SPEC section 3).
        const expected = ['/workspaces', '/invitations', '/auth/sessions'].some((prefix) => path.startsWith(prefix))
          ? ['web', 'api']
          : ['web', 'api', 'a2a', 'mcp'];
        expect({ path, method, audiences: operation['x-audiences'] }).toEqual({ path, method, audiences: expected });
      } else {
        expect({ path, method, security: operation.security ?? [] }).toEqual({ path, method, security: [] });
      }
    }
  });

  it('documents a success response and error responses for every operation', () => {
    for (const { path, method } of routes) {
      const codes = Object.keys(document.paths[path.replace(/:(\w+)/g, '{$1}')][method].responses);
      expect({ path, method, success: codes.some((code) => code.startsWith('2')) }).toEqual({ path, method, success: true });
      // These three answer nothing but their document.
      if (path !== '/health/live' && path !== '/metrics' && path !== '/.well-known/jwks.json')
        expect({ path, method, errors: codes.some((code) => /^[45]/.test(code)) }).toEqual({ path, method, errors: true });
    }
  });

  it('describes request bodies and the error shape', () => {
    const login = document.paths['/auth/login'].post;
    expect(login.requestBody!.content['application/json'].schema.$ref).toBe('#/components/schemas/LoginDto');
    expect(Object.keys(document.components.schemas.LoginDto.properties!)).toEqual(['email', 'password', 'audience']);
    expect(Object.keys(document.components.schemas.ErrorResponse.properties!)).toEqual(['statusCode', 'error', 'message']);
    expect(Object.keys(document.components.schemas.TokenPairResponse.properties!)).toEqual(
      expect.arrayContaining(['access_token', 'refresh_token', 'token_type', 'expires_in', 'refresh_expires_in', 'audience', 'user']),
    );
  });
});

function metricValue(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('metrics', () => {
  it('are not served on the main port by default', async () => {
    const platform = await startTestPlatform();
    try {
      await expectError(await request(platform.url, 'GET', '/metrics'), 404, /^Metrics are not served on this port/);
    } finally {
      await platform.close();
    }
  });

  describe('with METRICS_PUBLIC=true', () => {
    let platform: RunningPlatform;
    const scrape = async () => (await request(platform.url, 'GET', '/metrics')).text();
    beforeAll(async () => {
      platform = await startTestPlatform({
        PLATFORM_JWT_SECRET: TEST_SECRET,
        JWT_ISSUER: TEST_ISSUER,
        METRICS_PUBLIC: 'true',
        LOGIN_MAX_FAILURES: '1',
        REFRESH_GRACE_SECONDS: '0',
      });
    });
    afterAll(() => platform.close());

    it('serve Prometheus text with the request-duration histogram by route and status', async () => {
      await request(platform.url, 'GET', '/auth/me');
      const response = await request(platform.url, 'GET', '/metrics');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/auth\/me",status_code="401"\} [1-9]/m);
      expect(text).toContain('process_cpu_seconds_total');
    });

    it('count logins by result', async () => {
      const before = await scrape();
      const { email } = await registerUser(platform.url);
      await login(platform.url, email);
      await request(platform.url, 'POST', '/auth/login', { body: { email: uniqueEmail(), password: PASSWORD } });
      const after = await scrape();
      for (const result of ['success', 'invalid_credentials']) {
        expect(metricValue(after, 'gatehouse_logins_total', `result="${result}"`)).toBe(
          metricValue(before, 'gatehouse_logins_total', `result="${result}"`) + 1,
        );
      }
    });

    it('count token rejections by reason', async () => {
      const pair = await signIn(platform.url);
      const before = await scrape();
      await request(platform.url, 'GET', '/auth/me', { headers: { authorization: 'Basic x' } });
      await request(platform.url, 'GET', '/auth/me', { token: `${pair.access_token}x` });
      await request(platform.url, 'POST', '/auth/logout', { token: pair.access_token });
      await request(platform.url, 'GET', '/auth/me', { token: pair.access_token });
      const after = await scrape();
      for (const reason of ['format', 'invalid', 'revoked']) {
        const name = 'gatehouse_token_rejections_total';
        expect(metricValue(after, name, `reason="${reason}"`)).toBe(metricValue(before, name, `reason="${reason}"`) + 1);
      }
      expect(after).toMatch(/^gatehouse_token_rejections_total\{reason="expired"\} \d+$/m);
    });

    it('count refresh reuse detections and rate-limit rejections', async () => {
      const pair = await signIn(platform.url);
      const before = await scrape();
      await request(platform.url, 'POST', '/auth/refresh', { body: { refresh_token: pair.refresh_token } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await request(platform.url, 'POST', '/auth/refresh', { body: { refresh_token: pair.refresh_token } });
      await request(platform.url, 'POST', '/auth/login', { body: { email: pair.email, password: 'wrong password' } });
      await request(platform.url, 'POST', '/auth/login', { body: { email: pair.email, password: 'wrong password' } });
      const after = await scrape();
      const reuse = (text: string) => Number(/^gatehouse_refresh_reuse_detected_total (\d+)$/m.exec(text)![1]);
      expect(reuse(after)).toBe(reuse(before) + 1);
      expect(metricValue(after, 'gatehouse_rate_limit_rejections_total', 'limit="account_address"')).toBe(
        metricValue(before, 'gatehouse_rate_limit_rejections_total', 'limit="account_address"') + 1,
      );
    });
  });

  it('count issuance refused because of the built-in secret', async () => {
    const platform = await startTestPlatform(
      { PLATFORM_ENV: undefined, JWT_ISSUER: 'prod', BCRYPT_COST: '10', METRICS_PUBLIC: 'true' },
      new CapturingLogger(),
    );
    try {
      const { email } = await registerUser(platform.url);
      await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
      const text = await (await request(platform.url, 'GET', '/metrics')).text();
      expect(text).toMatch(/^gatehouse_token_issuance_refused_total 1$/m);
      expect(text).toMatch(/^gatehouse_logins_total\{result="issuance_refused"\} 1$/m);
    } finally {
      await platform.close();
    }
  });

  it('are served on METRICS_PORT, and then not on the main port', async () => {
    const { port, started: platform } = await onFreePort((port) => startTestPlatform({ METRICS_PORT: String(port) }));
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('gatehouse_logins_total');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      expect((await request(platform.url, 'GET', '/metrics')).status).toBe(404);
    } finally {
      await platform.close();
    }
  });
});

describe('logs', () => {
  it('are JSON in production, carry the request id, and never hold a password, token, secret or Authorization header', async () => {
    const secret = `log-test-secret-${'s'.repeat(40)}`;
    const password = 'unmistakable-password-7Qz!';
    const server = await startGatehouseServer({
      DATABASE_URL: testDatabaseUrl(),
      PLATFORM_JWT_SECRET: secret,
      JWT_ISSUER: TEST_ISSUER,
      BCRYPT_COST: '10',
      LOG_LEVEL: 'debug',
    });
    let tokens: string[] = [];
    try {
      const email = uniqueEmail('logs');
      await request(server.baseUrl, 'POST', '/auth/register', { body: { email, password } });
      const pair = await login(server.baseUrl, email, password);
      const refreshed = await json(await request(server.baseUrl, 'POST', '/auth/refresh', { body: { refresh_token: pair.refresh_token } }));
      const me = await request(server.baseUrl, 'GET', '/auth/me?access_token=' + refreshed.access_token, {
        token: refreshed.access_token,
        headers: { 'x-request-id': 'trace-me-42', cookie: 'session=cookie-value-99' },
      });
      expect(me.headers.get('x-request-id')).toBe('trace-me-42');
      await request(server.baseUrl, 'POST', '/auth/login', { body: { email, password: `${password}-wrong` } });
      await request(server.baseUrl, 'POST', '/auth/logout', { token: refreshed.access_token });
      await request(server.baseUrl, 'GET', '/health/live');
      tokens = [pair.access_token, pair.refresh_token, refreshed.access_token, refreshed.refresh_token];
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const output = server.output();
    const lines = output.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request completed');
    expect(requests.length).toBeGreaterThanOrEqual(6);
    for (const entry of requests) expect(entry.req.id).toEqual(expect.any(String));
    expect(requests.some((entry) => entry.req.id === 'trace-me-42')).toBe(true);
    // Health probes are logged by default, like any request.
    expect(requests.some((entry) => entry.req.path === '/health/live')).toBe(true);

    for (const value of [password, secret, 'cookie-value-99', ...tokens]) expect(output).not.toContain(value);
    // No Authorization header in any form (the route /.well-known/oauth-authorization-server may be named).
    expect(output.replaceAll('oauth-authorization-server', '')).not.toMatch(/authorization/i);
    expect(output).not.toMatch(/bearer /i);
  });
});

describe('start-up output', () => {
  it("in production: one JSON object per line from the first, only Gatehouse's own lines at info (no module or route lines)", async () => {
    const server = await startGatehouseServer({
      DATABASE_URL: testDatabaseUrl(),
      PLATFORM_JWT_SECRET: `log-test-secret-${'q'.repeat(40)}`,
      JWT_ISSUER: TEST_ISSUER,
      JWT_SECRET: 'a typo for PLATFORM_JWT_SECRET',
    });
    expect(await server.stop()).toBe(0);
    const lines = server.output().trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\{.*\}$/);
    const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    const listening = entries.findIndex(({ msg }) => msg.startsWith('Gatehouse is listening'));
    const startup = entries.slice(0, listening + 1).filter(({ msg }) => msg !== 'request completed');
    expect(startup.map(({ level, msg }) => [level, msg])).toEqual([
      [40, 'unknown variable JWT_SECRET; did you mean PLATFORM_JWT_SECRET?'],
      [30, 'Metrics are not exposed; set METRICS_PORT or METRICS_PUBLIC=true to serve /metrics'],
      [30, `Gatehouse is listening on ${server.baseUrl} (production mode)`],
    ]);
  });

  it('in dev: readable lines, not JSON', async () => {
    const server = await startGatehouseServer({ PLATFORM_ENV: 'dev', DATABASE_URL: testDatabaseUrl() });
    expect(await server.stop()).toBe(0);
    const output = server.output();
    const lines = output.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] (INFO|WARN): /);
    expect(output).toContain(`INFO: Gatehouse is listening on ${server.baseUrl} (development mode)`);
    expect(output).not.toMatch(/Mapped|dependencies initialized/);
  });
});

describe('the access log without probes (LOG_PROBE_REQUESTS=false)', () => {
  it('leaves out health probes, and still logs every other request once', async () => {
    const server = await startGatehouseServer({
      DATABASE_URL: testDatabaseUrl(),
      PLATFORM_JWT_SECRET: `log-test-secret-${'p'.repeat(40)}`,
      JWT_ISSUER: TEST_ISSUER,
      LOG_PROBE_REQUESTS: 'false',
    });
    try {
      for (const path of ['/health/live', '/health/ready', '/auth/me', '/health/live?probe=1']) await request(server.baseUrl, 'GET', path);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const requests = server
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; req?: { path: string }; res?: { statusCode: number } })
      .filter((entry) => entry.msg === 'request completed');
    expect(requests.map((entry) => [entry.req!.path, entry.res!.statusCode])).toEqual([['/auth/me', 401]]);
  });
});

describe('HTTP hardening', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(() => platform.close());

  it('sends security headers', async () => {
    const response = await request(platform.url, 'GET', '/health/live');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('allows CORS from a listed origin and exposes the headers clients need', async () => {
    const preflight = await fetch(`${platform.url}/auth/login`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const response = await request(platform.url, 'GET', '/auth/me', { headers: { origin: 'https://app.example.com' } });
    expect(response.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  });

  it('does not allow CORS from another origin', async () => {
    const response = await request(platform.url, 'GET', '/health/live', { headers: { origin: 'https://evil.example.com' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS headers at all when CORS_ORIGINS is unset', async () => {
    const plain = await startTestPlatform();
    try {
      const response = await request(plain.url, 'GET', '/health/live', { headers: { origin: 'https://app.example.com' } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.close();
    }
  });
});
