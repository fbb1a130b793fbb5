// One autocannon run, in its own process so the load generator does not share an event loop
// with the server or the orchestrator. Reads a JSON scenario from stdin, prints a JSON result.
import autocannon from 'autocannon';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const scenario = JSON.parse(input);
const { url, path, method = 'GET', headers = {}, body, duration, connections, tokens, refreshTokens, expectStatus = 200 } = scenario;

const requests = [];
if (refreshTokens) {
  // Every refresh token is presented once: requests take one from the pool, and each successful
  // rotation puts its successor back. (autocannon resets a connection's context whenever it
  // cycles through its requests, so the chains cannot live there.)
  const pool = [...refreshTokens];
  requests.push({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => ({ ...request, body: JSON.stringify({ refresh_token: pool.shift() ?? 'pool-exhausted' }) }),
    onResponse: (status, responseBody) => {
      if (status === 200) pool.push(JSON.parse(responseBody).refresh_token);
    },
  });
} else if (tokens) {
  // One prebuilt request per token, cycled through: nothing can be answered from one cached
  // result, and the load generator builds no request at run time.
  for (const token of tokens) requests.push({ method, path, headers: { ...headers, authorization: `Bearer ${token}` } });
} else {
  requests.push({ method, path, headers, body });
}

const result = await autocannon({ url, connections, duration, requests });
const expected = result.statusCodeStats?.[expectStatus]?.count ?? 0;
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    // Anything but the expected status, plus connection errors and time-outs.
    errors: result.requests.total - expected + result.errors + result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count])),
  })}\n`,
);
