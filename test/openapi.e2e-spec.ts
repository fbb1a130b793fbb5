import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { RunningPlatform } from '@app/server';
import { json, login, registerUser, request, TEST_ISSUER, TEST_SECRET } from './support/auth-client.js';
import { startTestPlatform } from './support/platform.js';

/**
 * The OpenAPI document (`/docs-json`) as a client generator reads it: every operation named and
 * summarised, the audiences its token needs, each error status with the body Gatehouse really
 * answers, ids typed as UUIDs. Where a claim can be checked against the running server, it is.
 */

interface Example {
  summary?: string;
  value: unknown;
}
interface MediaType {
  schema?: { $ref?: string };
  examples?: Record<string, Example>;
}
interface Parameter {
  name: string;
  in: string;
  schema: { type?: string; format?: string };
}
interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: Parameter[];
  requestBody?: unknown;
  security?: Record<string, string[]>[];
  'x-audiences'?: string[];
  responses: Record<string, { description: string; content?: Record<string, MediaType> }>;
}
interface Schema {
  properties?: Record<string, { format?: string; pattern?: string; type?: string; items?: unknown }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const AUDIENCES = ['web', 'api', 'a2a', 'mcp'];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operationsOf(document: Document): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

/** The example bodies documented for one status of an operation. */
function documentedBodies(operation: Operation, status: number): unknown[] {
  const examples = operation.responses[String(status)]?.content?.['application/json']?.examples ?? {};
  return Object.values(examples).map((example) => example.value);
}

async function getDocument(platform: RunningPlatform): Promise<Document> {
  const response = await request(platform.url, 'GET', '/docs-json');
  expect(response.status).toBe(200);
  return json<Document>(response);
}

describe('the OpenAPI document', () => {
  let platform: RunningPlatform;
  let document: Document;
  /** An access token of one user for each audience alone. */
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    platform = await startTestPlatform({ PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER });
    document = await getDocument(platform);
    const { email } = await registerUser(platform.url);
    for (const audience of AUDIENCES) tokens[audience] = (await login(platform.url, email, undefined, { audience })).access_token;
  });
  afterAll(() => platform.close());

  /** A request to an operation that is refused before its handler changes anything when the token passes. */
  function probe(path: string, method: string, operation: Operation, token: string): Promise<Response> {
    // A malformed id, an unknown query field or a body that is not JSON: each refused after the token is.
    const concrete = path.replace(/\{(\w+)\}/g, 'not-a-uuid');
    if (operation.requestBody !== undefined) {
      return fetch(`${platform.url}${concrete}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: 'x',
      });
    }
    return request(platform.url, method.toUpperCase(), `${concrete}?probe=1`, { token });
  }

  it('gives every operation a summary and a readable operationId, unique in the document', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThanOrEqual(19);
    for (const { path, method, operation } of operations) {
      expect({ path, method, summary: typeof operation.summary === 'string' && operation.summary.length > 0 }).toEqual({
        path,
        method,
        summary: true,
      });
      // camelCase method names for generated clients, not Nest's default `Controller_method`.
      expect({ path, method, operationId: operation.operationId }).toEqual({
        path,
        method,
        operationId: expect.stringMatching(/^[a-z][a-zA-Z]+$/),
      });
    }
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names the operations as the methods of a generated client', () => {
    const idOf = (path: string, method: string) => document.paths[path][method].operationId;
    expect(idOf('/auth/login', 'post')).toBe('login');
    expect(idOf('/auth/refresh', 'post')).toBe('refreshTokens');
    expect(idOf('/auth/sessions', 'get')).toBe('listSessions');
    expect(idOf('/workspaces', 'get')).toBe('listWorkspaces');
    expect(idOf('/workspaces/{id}', 'get')).toBe('getWorkspace');
    expect(idOf('/workspaces/{id}/members', 'get')).toBe('listMembers');
    expect(idOf('/workspaces/{id}/members/{userId}', 'patch')).toBe('updateMember');
  });

  it('lists the audiences of every guarded operation, exactly those the server accepts, and the refusal it answers', async () => {
    let guarded = 0;
    for (const { path, method, operation } of operationsOf(document)) {
      if (operation.security === undefined) {
        expect({ path, method, audiences: operation['x-audiences'] }).toEqual({ path, method, audiences: undefined });
        continue;
      }
      guarded++;
      const documented = operation['x-audiences'];
      const accepted: string[] = [];
      for (const audience of AUDIENCES) {
        const response = await probe(path, method, operation, tokens[audience]);
        const body = await json(response);
        if (response.status === 403 && String(body.message).startsWith('Invalid audience')) {
          // The refusal names the documented audiences, and is one of the documented 403 examples.
          expect({ path, method, refusal: body }).toEqual({
            path,
            method,
            refusal: expect.objectContaining({ message: `Invalid audience: this route accepts ${documented!.join(', ')}` }),
          });
          expect({ path, method, documented: documentedBodies(operation, 403) }).toEqual({
            path,
            method,
            documented: expect.arrayContaining([body]),
          });
        } else {
          accepted.push(audience);
        }
      }
      expect({ path, method, audiences: documented }).toEqual({ path, method, audiences: accepted });
    }
    expect(guarded).toBeGreaterThanOrEqual(14);
  });

  it('documents every 4xx and 5xx status with examples of the common error body, each its own status', () => {
    for (const { path, method, operation } of operationsOf(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status)) continue;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        const media = response.content?.['application/json'];
        const bodies = documentedBodies(operation, Number(status));
        expect({ where, examples: bodies.length > 0 }).toEqual({ where, examples: true });
        if (path.startsWith('/oauth/')) {
          // The OAuth routes answer RFC 6749 section 5.2's shape.
          expect({ where, schema: media?.schema?.$ref }).toEqual({ where, schema: '#/components/schemas/OAuthErrorResponse' });
          for (const body of bodies) {
            expect({ where, body }).toEqual({
              where,
              body: { error: expect.stringMatching(/^[a-z_]+$/), error_description: expect.any(String) },
            });
          }
          continue;
        }
        expect({ where, schema: media?.schema?.$ref }).toEqual({ where, schema: '#/components/schemas/ErrorResponse' });
        for (const body of bodies) {
          expect({ where, body }).toEqual({
            where,
            body: { statusCode: Number(status), error: STATUS_CODES[Number(status)], message: expect.anything() },
          });
          const message = (body as { message: unknown }).message;
          const wellFormed =
            (typeof message === 'string' && message.length > 0) ||
            (Array.isArray(message) && message.length > 0 && message.every((item) => typeof item === 'string'));
          expect({ where, message, wellFormed }).toEqual({ where, message, wellFormed: true });
        }
      }
    }
  });

  it('documents the very bodies the server answers: no token, a malformed id, a body that is not JSON', async () => {
    for (const { path, method, operation } of operationsOf(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (operation.security !== undefined) {
        const concrete = path.replace(/\{(\w+)\}/g, randomUUID());
        const missing = await request(platform.url, method.toUpperCase(), concrete);
        expect({ where, documented: documentedBodies(operation, 401) }).toEqual({
          where,
          documented: expect.arrayContaining([await json(missing)]),
        });
      }
      for (const parameter of operation.parameters?.filter((p) => p.in === 'path') ?? []) {
        const concrete = path.replace(/\{(\w+)\}/g, (_match, name: string) => (name === parameter.name ? 'not-a-uuid' : randomUUID()));
        const malformed = await request(platform.url, method.toUpperCase(), concrete, {
          token: tokens.web,
          body: operation.requestBody === undefined ? undefined : {},
        });
        expect({ where, status: malformed.status }).toEqual({ where, status: 400 });
        expect({ where, documented: documentedBodies(operation, 400) }).toEqual({
          where,
          documented: expect.arrayContaining([await json(malformed)]),
        });
      }
      if (operation.requestBody !== undefined) {
        const concrete = path.replace(/\{(\w+)\}/g, randomUUID());
        const notJson = await fetch(`${platform.url}${concrete}`, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${tokens.web}`, 'content-type': 'text/plain' },
          body: 'hello',
        });
        expect({ where, documented: documentedBodies(operation, 415) }).toEqual({
          where,
          documented: expect.arrayContaining([await json(notJson)]),
        });
      }
    }
  });

  it('types ids as UUIDs: path parameters and response fields', () => {
    let parameters = 0;
    for (const { path, method, operation } of operationsOf(document)) {
      for (const parameter of operation.parameters?.filter((p) => p.in === 'path') ?? []) {
        parameters++;
        expect({ path, method, parameter: parameter.name, schema: parameter.schema }).toEqual({
          path,
          method,
          parameter: parameter.name,
          schema: { type: 'string', format: 'uuid' },
        });
      }
    }
    expect(parameters).toBeGreaterThanOrEqual(6);
    let ids = 0;
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      for (const [property, definition] of Object.entries(schema.properties ?? {})) {
        if (!/^(id|sub|sid|jti|.+_id)$/.test(property)) continue;
        ids++;
        // A subject is a user id or client:<client_id> (a client's own token; an actor).
        if (property === 'sub' && definition.format === undefined) {
          expect({ schema: name, property, pattern: definition.pattern }).toEqual({
            schema: name,
            property,
            pattern: expect.stringContaining('client:'),
          });
          continue;
        }
        expect({ schema: name, property, format: definition.format }).toEqual({ schema: name, property, format: 'uuid' });
      }
    }
    expect(ids).toBeGreaterThanOrEqual(6);
  });

  it('leaves /metrics out while it is not served on this port', async () => {
    expect(document.paths['/metrics']).toBeUndefined();
    expect((await request(platform.url, 'GET', '/metrics')).status).toBe(404);
  });
});

describe('the OpenAPI document with METRICS_PUBLIC=true', () => {
  it('lists /metrics, as the server then answers it', async () => {
    const platform = await startTestPlatform({ METRICS_PUBLIC: 'true' });
    try {
      const document = await getDocument(platform);
      expect(document.paths['/metrics'].get).toMatchObject({ operationId: 'getMetrics', summary: expect.any(String) });
      expect((await request(platform.url, 'GET', '/metrics')).status).toBe(200);
    } finally {
      await platform.close();
    }
  });
});
