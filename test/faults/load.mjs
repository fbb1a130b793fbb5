// Light, bounded load for the fault script: a few virtual users in turn reading their profile and
// workspaces (database), logging in (database, bcrypt, Redis) and refreshing (database, Redis),
// on 127.0.0.1 only. Every answer is recorded with its time, status and Retry-After.
import http from 'node:http';

/** A request that gets no answer within this time counts as hanging. */
const HANG_MS = 30_000;
export const PASSWORD = 'fault script password';

/** HTTP over an agent of its own, whose idle connections can be closed between phases. */
export class HttpClient {
  constructor(baseUrl) {
    this.baseUrl = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true });
  }

  /** Resolves with `{ status, retryAfter, body, ms }`; status is `'hang'` or `'error:<code>'` when there was no answer. */
  request(method, path, { body, token, timeoutMs = HANG_MS } = {}) {
    const started = performance.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    return new Promise((resolve) => {
      const done = (result) => resolve({ ...result, ms: performance.now() - started });
      const request = http.request(
        { host: this.baseUrl.hostname, port: this.baseUrl.port, method, path, headers, agent: this.agent },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => {
            let parsed = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: kept as text
            }
            done({ status: response.statusCode, retryAfter: response.headers['retry-after'], body: parsed });
          });
          response.on('error', (error) => done({ status: `error:${error.code ?? error.message}` }));
        },
      );
      request.setTimeout(timeoutMs, () => {
        request.destroy();
        done({ status: 'hang' });
      });
      request.on('error', (error) => done({ status: `error:${error.code ?? error.message}` }));
      request.end(payload);
    });
  }

  /** Closes the kept-alive connections, so the server's open sockets can be compared between phases. */
  closeConnections() {
    this.agent.destroy();
    this.agent = new http.Agent({ keepAlive: true });
  }
}

export async function registerAndLogIn(client, email) {
  const registered = await client.request('POST', '/auth/register', { body: { email, password: PASSWORD } });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  const loggedIn = await client.request('POST', '/auth/login', { body: { email, password: PASSWORD, audience: 'web' } });
  if (loggedIn.status !== 200) throw new Error(`login: ${loggedIn.status} ${JSON.stringify(loggedIn.body)}`);
  return { email, pair: loggedIn.body };
}

const OPERATIONS = {
  me: (client, user) => client.request('GET', '/auth/me', { token: user.pair.access_token }),
  workspaces: (client, user) => client.request('GET', '/workspaces', { token: user.pair.access_token }),
  login: async (client, user) => {
    const result = await client.request('POST', '/auth/login', { body: { email: user.email, password: PASSWORD, audience: 'web' } });
    if (result.status === 200) user.pair = result.body;
    return result;
  },
  refresh: async (client, user) => {
    const result = await client.request('POST', '/auth/refresh', { body: { refresh_token: user.pair.refresh_token } });
    if (result.status === 200) user.pair = result.body;
    // A refresh that failed (the database was down) may or may not have rotated: start afresh.
    else user.needsLogin = true;
    return result;
  },
};

/**
 * Each user runs the operations in turn, one request at a time with a short pause, until
 * stopped; `operations` narrows the mix (the Redis phase: login and refresh).
 */
export function startLoad(client, users, { operations = Object.keys(OPERATIONS), pauseMs = 100, maxRequests = 20_000 } = {}) {
  const records = [];
  let running = true;
  const loops = users.map(async (user, index) => {
    for (let turn = index; running && records.length < maxRequests; turn++) {
      const name = user.needsLogin ? 'login' : operations[turn % operations.length];
      user.needsLogin = false;
      const at = Date.now();
      const result = await OPERATIONS[name](client, user);
      if (name === 'login' && result.status !== 200) user.needsLogin = true;
      records.push({ operation: name, at, status: result.status, retryAfter: result.retryAfter, ms: result.ms, body: result.body });
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  });
  return {
    records,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return records;
    },
  };
}

/** Counts by operation and status, and the slowest answer, for the report. */
export function summarise(records) {
  const counts = {};
  let slowest = 0;
  for (const record of records) {
    const key = `${record.operation} ${record.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
    slowest = Math.max(slowest, record.ms);
  }
  return `${records.length} requests (${Object.entries(counts)
    .sort()
    .map(([key, count]) => `${key}: ${count}`)
    .join(', ')}), slowest ${Math.round(slowest)} ms`;
}
