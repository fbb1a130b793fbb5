import { json, PASSWORD, registerUser, request, signIn, uniqueEmail } from './support/auth-client.js';
import { useTestPlatform } from './support/platform.js';
import { expectError } from './support/responses.js';

/**
 * Input an attacker (or a buggy client) sends: each gets a clear 4xx in the common error shape,
 * never a 500, and nothing is written.
 */
const platform = useTestPlatform();

const JSON_ONLY = 'Content-Type must be application/json';
const TOO_DEEP = 'Request body is nested too deeply (at most 32 levels of arrays and objects)';
const TOO_MANY = 'Request body has too many values (at most 1000 object members and array elements)';

/** A field's validation message (field errors come as a list of one message per field). */
const field = (message: string) => new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** A raw POST, for bodies and content types `request` would not send. */
const post = (path: string, body: string | Uint8Array | undefined, headers: Record<string, string> = {}) =>
  fetch(`${platform.url}${path}`, { method: 'POST', headers, body });

async function createWorkspace(token: string): Promise<string> {
  const response = await request(platform.url, 'POST', '/workspaces', { token, body: { name: `Team ${uniqueEmail('w')}` } });
  expect(response.status).toBe(201);
  return (await json<{ id: string }>(response)).id;
}

describe('deeply nested JSON', () => {
  it('refuses an audience nested 49,000 deep (under 100 kB) with 400 before any validation', async () => {
    const { email } = await registerUser(platform.url);
    const audience = `${'['.repeat(49_000)}"web"${']'.repeat(49_000)}`;
    const response = await post('/auth/login', `{"email":"${email}","password":"${PASSWORD}","audience":${audience}}`, {
      'content-type': 'application/json',
    });
    await expectError(response, 400, TOO_DEEP);
  });

  it('refuses objects nested deeper than 32 levels on every JSON route', async () => {
    const { access_token: token } = await signIn(platform.url);
    const settings = `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`;
    const id = await createWorkspace(token);
    const response = await request(platform.url, 'PATCH', `/workspaces/${id}`, { token, body: `{"settings":${settings}}` });
    await expectError(response, 400, TOO_DEEP);
  });
});

describe('very wide JSON', () => {
  it('refuses 9,000 unknown fields (under 100 kB) with one short 400, not a message per field', async () => {
    const fields = Array.from({ length: 9_000 }, (_, i) => `"k${i}":0`).join(',');
    const response = await request(platform.url, 'POST', '/auth/login', { body: `{"email":"a@example.com","password":"x",${fields}}` });
    expect(Number(response.headers.get('content-length'))).toBeLessThan(200);
    await expectError(response, 400, TOO_MANY);
  });

  it('refuses a settings object of 2,000 keys', async () => {
    const { access_token: token } = await signIn(platform.url);
    const settings = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, 0]));
    const id = await createWorkspace(token);
    await expectError(await request(platform.url, 'PATCH', `/workspaces/${id}`, { token, body: { settings } }), 400, TOO_MANY);
  });
});

describe('missing and mistyped fields', () => {
  it.each([
    ['register without an email', '/auth/register', { password: PASSWORD }, ['email is required']],
    ['register with nothing', '/auth/register', {}, ['email is required', 'password is required']],
    ['login without a password', '/auth/login', { email: 'a@example.com' }, ['password is required']],
    ['login with nothing', '/auth/login', {}, ['email is required', 'password is required']],
    ['refresh with nothing', '/auth/refresh', {}, ['refresh_token is required']],
  ])('says a required field is required (%s), one message per field', async (_name, path, body, messages) => {
    await expectError(await request(platform.url, 'POST', path, { body }), 400, messages);
  });

  it('says a workspace name and a role are required', async () => {
    const { access_token: token } = await signIn(platform.url);
    await expectError(await request(platform.url, 'POST', '/workspaces', { token, body: {} }), 400, ['name is required']);
    const id = await createWorkspace(token);
    const other = await registerUser(platform.url);
    const path = `/workspaces/${id}/members/${other.id}`;
    await expectError(await request(platform.url, 'PATCH', path, { token, body: {} }), 400, ['role is required']);
  });

  it.each([
    ['register', '/auth/register', { email: 42, password: PASSWORD }, ['email must be a string']],
    ['register', '/auth/register', { email: null, password: PASSWORD }, ['email must be a string']],
    ['register', '/auth/register', { email: 'a@example.com', password: PASSWORD, name: 7 }, ['name must be a string']],
    ['login', '/auth/login', { email: ['a@example.com'], password: null }, ['email must be a string', 'password must be a string']],
    ['refresh', '/auth/refresh', { refresh_token: null }, ['refresh_token must be a string']],
  ])('names the type a %s field must have when it has another', async (_name, path, body, messages) => {
    await expectError(await request(platform.url, 'POST', path, { body }), 400, messages);
  });

  it('names the type of a workspace field sent with another', async () => {
    const { access_token: token } = await signIn(platform.url);
    const response = await request(platform.url, 'POST', '/workspaces', { token, body: { name: 5, slug: 6, description: 7 } });
    await expectError(response, 400, ['name must be a string', 'slug must be a string', 'description must be a string']);
  });
});

describe('typed fields', () => {
  it.each([
    ['an object', {}],
    ['a number', 7],
    ['an array of arrays', [['web']]],
    ['an array with a number', ['web', 1]],
  ])('refuses %s as the login audience: a string or an array of strings', async (_name, audience) => {
    const { email } = await registerUser(platform.url);
    const response = await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD, audience } });
    await expectError(response, 400, field('audience must be a string or an array of strings'));
  });

  it('still takes one audience as a string or several as an array', async () => {
    const { email } = await registerUser(platform.url);
    for (const audience of ['mcp', ['web', 'api']]) {
      const response = await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD, audience } });
      expect(response.status).toBe(200);
      expect((await json(response)).audience).toEqual([audience].flat());
    }
  });

  it.each([
    ['offset=1e20', 'offset must be an integer from 0 to 1000000'],
    ['offset=1000001', 'offset must be an integer from 0 to 1000000'],
    ['offset=9007199254740993', 'offset must be an integer from 0 to 1000000'],
    ['offset=0x10', 'offset must be an integer from 0 to 1000000'],
    ['limit=1e1', 'limit must be an integer from 1 to 200'],
  ])('answers %s with 400', async (query, message) => {
    const { access_token: token } = await signIn(platform.url);
    await expectError(await request(platform.url, 'GET', `/workspaces?${query}`, { token }), 400, field(message));
  });

  it('accepts the largest offset', async () => {
    const { access_token: token } = await signIn(platform.url);
    const response = await request(platform.url, 'GET', '/workspaces?offset=1000000&limit=200', { token });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ items: [], limit: 200, offset: 1_000_000 });
  });
});

describe('workspace settings', () => {
  let token: string;
  let id: string;
  beforeAll(async () => {
    token = (await signIn(platform.url)).access_token;
    id = await createWorkspace(token);
    const saved = await request(platform.url, 'PATCH', `/workspaces/${id}`, { token, body: { settings: { theme: 'dark' } } });
    expect(saved.status).toBe(200);
  });

  const settingsNow = async () => (await json(await request(platform.url, 'GET', `/workspaces/${id}`, { token }))).settings;

  it.each([
    ['null', null, 'settings must be a JSON object (send {} to clear the settings)'],
    ['an array', ['dark'], 'settings must be a JSON object (send {} to clear the settings)'],
    [
      'nested 9 levels',
      { a: { b: { c: { d: { e: { f: { g: { h: {} } } } } } } } },
      'settings must not nest more than 8 levels of objects and arrays',
    ],
    ['over 16 kB', { blob: 'x'.repeat(16 * 1024) }, 'settings must be at most 16384 bytes as JSON'],
  ])('refuses %s with 400 and keeps the settings it had', async (_name, settings, message) => {
    await expectError(await request(platform.url, 'PATCH', `/workspaces/${id}`, { token, body: { settings } }), 400, field(message));
    expect(await settingsNow()).toEqual({ theme: 'dark' });
  });

  it('replaces the settings with {} to clear them', async () => {
    const other = await createWorkspace(token);
    expect((await request(platform.url, 'PATCH', `/workspaces/${other}`, { token, body: { settings: { theme: 'light' } } })).status).toBe(
      200,
    );
    expect((await request(platform.url, 'PATCH', `/workspaces/${other}`, { token, body: { settings: {} } })).status).toBe(200);
    expect((await json(await request(platform.url, 'GET', `/workspaces/${other}`, { token }))).settings).toEqual({});
  });
});

describe('text PostgreSQL cannot store', () => {
  // JSON.stringify keeps a NUL as the escape \u0000 and a lone surrogate as \udXXX: as a client sends them.
  it.each([
    ['a NUL in the login email', '/auth/login', { email: 'a\u0000@example.com', password: PASSWORD }, 'email'],
    ['a NUL in the login password', '/auth/login', { email: 'a@example.com', password: `${PASSWORD}\u0000` }, 'password'],
    ['a NUL in the refresh token', '/auth/refresh', { refresh_token: 'a\u0000b' }, 'refresh_token'],
  ])('refuses %s with 400 naming the field', async (_name, path, body, field) => {
    await expectError(await request(platform.url, 'POST', path, { body }), 400, `${field} must not contain the NUL character (\\u0000)`);
  });

  it.each([
    ['a NUL', 'Ada\u0000', 'name must not contain the NUL character (\\u0000)'],
    ['a lone surrogate', 'Ada \ud800', 'name must be valid Unicode text (it contains an unpaired surrogate)'],
  ])('refuses a registration whose name has %s, and registers nobody', async (_name, name, message) => {
    const email = uniqueEmail();
    await expectError(await request(platform.url, 'POST', '/auth/register', { body: { email, password: PASSWORD, name } }), 400, message);
    expect((await request(platform.url, 'POST', '/auth/register', { body: { email, password: PASSWORD, name: 'Ada' } })).status).toBe(201);
  });

  it.each([
    ['a NUL in the name', { name: 'Team\u0000' }, 'name must not contain the NUL character (\\u0000)'],
    ['a lone surrogate in the name', { name: 'Team \udc00' }, 'name must be valid Unicode text (it contains an unpaired surrogate)'],
    ['a NUL in a settings value', { settings: { theme: 'da\u0000rk' } }, 'settings.theme must not contain the NUL character (\\u0000)'],
    ['a NUL in a settings key', { settings: { 'the\u0000me': 'dark' } }, 'a key in settings must not contain the NUL character (\\u0000)'],
    [
      'a lone surrogate deep in settings',
      { settings: { tags: ['ok', '\ud83d'] } },
      'settings.tags[1] must be valid Unicode text (it contains an unpaired surrogate)',
    ],
  ])('refuses a workspace change with %s, and changes nothing', async (_name, body, message) => {
    const { access_token: token } = await signIn(platform.url);
    const id = await createWorkspace(token);
    const before = await json(await request(platform.url, 'GET', `/workspaces/${id}`, { token }));
    await expectError(await request(platform.url, 'PATCH', `/workspaces/${id}`, { token, body }), 400, message);
    expect(await json(await request(platform.url, 'GET', `/workspaces/${id}`, { token }))).toEqual(before);
  });

  it('refuses a new workspace whose name has a NUL', async () => {
    const { access_token: token } = await signIn(platform.url);
    const created = await request(platform.url, 'POST', '/workspaces', { token, body: { name: 'Team\u0000' } });
    await expectError(created, 400, 'name must not contain the NUL character (\\u0000)');
    expect((await json(await request(platform.url, 'GET', '/workspaces', { token }))).total).toBe(0);
  });

  it('keeps text with emoji (valid surrogate pairs) as it was sent', async () => {
    const { access_token: token } = await signIn(platform.url);
    const response = await request(platform.url, 'POST', '/workspaces', { token, body: { name: 'Team 😀' } });
    expect(response.status).toBe(201);
    expect((await json(response)).name).toBe('Team 😀');
  });
});

describe('bodies that are not JSON (415)', () => {
  it.each([
    ['text/plain', 'text/plain', '{"email":"a@example.com","password":"x"}'],
    ['XML', 'application/xml', '<login/>'],
    ['no Content-Type', undefined, '{"email":"a@example.com","password":"x"}'],
  ])('answers a body sent as %s with 415', async (_name, contentType, body) => {
    // fetch labels a string body text/plain; bytes go without a Content-Type.
    const response =
      contentType === undefined
        ? await post('/auth/login', new TextEncoder().encode(body))
        : await post('/auth/login', body, { 'content-type': contentType });
    await expectError(response, 415, JSON_ONLY);
  });

  it('refuses a form body with the right credentials: 415, no tokens', async () => {
    const { email } = await registerUser(platform.url);
    const form = new URLSearchParams({ email, password: PASSWORD }).toString();
    await expectError(await post('/auth/login', form, { 'content-type': 'application/x-www-form-urlencoded' }), 415, JSON_ONLY);
  });

  it('answers a route that needs a body, sent none, with 415 rather than missing fields', async () => {
    await expectError(await post('/auth/login', undefined), 415, JSON_ONLY);
    const { access_token: token } = await signIn(platform.url);
    await expectError(await request(platform.url, 'POST', '/workspaces', { token }), 415, JSON_ONLY);
  });

  it.each([['null'], ['[]'], ['"email"'], ['42']])('answers the JSON %s, which is not an object, with 400', async (body) => {
    await expectError(await request(platform.url, 'POST', '/auth/login', { body }), 400, 'Request body must be a JSON object');
  });

  it('accepts application/json with a charset, and routes without a body take none', async () => {
    const { email } = await registerUser(platform.url);
    const body = JSON.stringify({ email, password: PASSWORD });
    const response = await post('/auth/login', body, { 'content-type': 'application/json; charset=utf-8' });
    expect(response.status).toBe(200);
    const { access_token: token } = await json(response);
    expect((await request(platform.url, 'POST', '/auth/logout', { token })).status).toBe(204);
  });
});

describe('responses that carry tokens', () => {
  const expectNoStore = (response: Response) => {
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
  };

  it('are never stored by a cache: login and refresh answer Cache-Control: no-store and Pragma: no-cache', async () => {
    const { email } = await registerUser(platform.url);
    const login = await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    expectNoStore(login);
    const refresh = await request(platform.url, 'POST', '/auth/refresh', { body: { refresh_token: (await json(login)).refresh_token } });
    expect(refresh.status).toBe(200);
    expectNoStore(refresh);
  });
});
