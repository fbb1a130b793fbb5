// The load generator: a process of its own, so that it never shares an event loop with the
// server or the orchestrator. It stays up for a whole benchmark: it reads scenarios from stdin,
// one JSON object per line, runs each with autocannon, and writes one JSON result per line.
import autocannon from 'autocannon';
import { createInterface } from 'node:readline';

/**
 * Access-token pools, kept here so that they never travel through the pipes: a refresh scenario
 * with `keepAccessTokensAs` fills one with the access tokens its rotations return, and scenarios
 * name it after (`tokenPool`). A pool's cursor carries over from one scenario to the next, so
 * that rounds of the same scenario go on through the pool rather than start again at its first
 * token: with more tokens than the server caches, every token presented is then one it has not
 * seen for a whole pool's worth of requests.
 */
const tokenPools = new Map();

/** The requests of a scenario, the refresh-token pool when it has one, and the access tokens it keeps. */
function requestsOf({ path, method = 'GET', headers = {}, body, tokens, tokenPool, refreshTokens, keepAccessTokensAs }) {
  if (refreshTokens) {
    // Every refresh token is presented once: requests take one from the pool, and each
    // successful rotation puts its successor back. (autocannon resets a connection's context
    // whenever it cycles through its requests, so the chains cannot live there.)
    const pool = [...refreshTokens];
    const kept = keepAccessTokensAs === undefined ? undefined : new Set();
    const requests = [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ refresh_token: pool.shift() ?? 'pool-exhausted' }) }),
        onResponse: (status, responseBody) => {
          if (status !== 200) return;
          const pair = JSON.parse(responseBody);
          pool.push(pair.refresh_token);
          kept?.add(pair.access_token);
        },
      },
    ];
    return { requests, pool, kept };
  }
  if (tokens || tokenPool) {
    // Each request presents the pool's next token. Built as it is sent: prebuilt, autocannon
    // would build every token's request for each connection before the first is sent, and that
    // set-up (tens of milliseconds) would count against this scenario's rate alone.
    const pool = tokenPool === undefined ? { tokens, next: 0 } : tokenPools.get(tokenPool);
    if (pool === undefined) throw new Error(`no token pool named ${tokenPool}`);
    const setupRequest = (request) => {
      const token = pool.tokens[pool.next];
      pool.next = (pool.next + 1) % pool.tokens.length;
      return { ...request, headers: { ...headers, authorization: `Bearer ${token}` } };
    };
    return { requests: [{ method, path, setupRequest }] };
  }
  return { requests: [{ method, path, headers, body }] };
}

/**
 * Runs one scenario for `duration` seconds, or until `amount` requests have been answered (then
 * no request is cut off, and a refresh scenario hands back every successor token).
 */
async function run(scenario) {
  const { url, duration, amount, connections, expectStatus = 200 } = scenario;
  const { requests, pool, kept } = requestsOf(scenario);
  const result = await autocannon({ url, connections, requests, ...(amount === undefined ? { duration } : { amount }) });
  if (kept) tokenPools.set(scenario.keepAccessTokensAs, { tokens: [...kept], next: 0 });
  const expected = result.statusCodeStats?.[expectStatus]?.count ?? 0;
  return {
    requestsPerSecond: result.requests.total / result.duration,
    total: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    // Anything but the expected status, plus connection errors and time-outs.
    errors: result.requests.total - expected + result.errors + result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count])),
    ...(pool ? { refreshTokens: pool } : {}),
    ...(kept ? { accessTokensKept: kept.size } : {}),
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(await run(JSON.parse(line)))}\n`);
}
