// One autocannon run, in its own process so the load generator does not share an event loop
// with the server or the orchestrator. Reads a JSON scenario from argv[2], prints a JSON result.
import autocannon from 'autocannon';

const scenario = JSON.parse(process.argv[2]);
const { url, path, method = 'GET', headers = {}, body, duration, connections, tokens, refreshTokens, expectStatus = 200 } = scenario;

const requests = [];
if (refreshTokens) {
  // Each connection keeps its own rotation chain: it presents the refresh token it got last.
  let next = 0;
  requests.push({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    setupRequest: (request, context) => {
      context.token ??= refreshTokens[next++ % refreshTokens.length];
      return { ...request, body: JSON.stringify({ refresh_token: context.token }) };
    },
    onResponse: (status, responseBody, context) => {
      if (status === 200) context.token = JSON.parse(responseBody).refresh_token;
    },
  });
} else if (tokens) {
  // Rotates through many tokens, so nothing can be answered from one cached result.
  let next = 0;
  requests.push({
    method,
    path,
    setupRequest: (request) => ({ ...request, headers: { ...headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }),
  });
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
