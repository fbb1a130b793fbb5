#!/usr/bin/env node
// npm run bench: starts the production build of Gatehouse (its own embedded PostgreSQL, or
// DATABASE_URL) and, beside it, the framework floor (bench/framework-floor.mjs: bare NestJS on
// Fastify, the same /health/live handler), drives them with autocannon from separate processes,
// prints a table with the ratios and targets, and writes bench/results/latest-<algorithm>.json (npm run bench: HS256, then ES256).
import bcrypt from 'bcrypt';
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    'ratio-duration': { type: 'string', default: '21' },
    rounds: { type: 'string', default: '14' },
    'distinct-tokens': { type: 'string', default: '20000' },
    'login-duration': { type: 'string' },
    connections: { type: 'string', default: '50' },
    'bcrypt-cost': { type: 'string', default: '12' },
    'log-level': { type: 'string', default: 'info' },
    algorithm: { type: 'string', default: 'HS256' },
    output: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`Usage: npm run bench -- [options]
  --duration S        seconds per scenario (default 8)
  --ratio-duration S  seconds in all for each of public, guarded, rejected, guarded-distinct
                      and framework (default 21)
  --rounds N          those five run interleaved in N rounds of ratio-duration/N seconds,
                      in that order, then the reverse; each ratio is the median over pairs
                      of rounds (default 14, made even)
  --distinct-tokens N access tokens presented in turn by guarded-distinct (default 20000,
                      twice the server's verified-token cache)
  --login-duration S  seconds for the login scenarios (default: --duration)
  --connections N     concurrent connections (default 50)
  --bcrypt-cost N     BCRYPT_COST of the server under test (default 12, the production default)
  --log-level L       LOG_LEVEL of the server under test (default info, the production default)
  --algorithm A       JWT_SIGNING_ALGORITHM of the server under test: HS256 (default), RS256, ES256
                      or EdDSA; the asymmetric targets apply to the last three
  --output FILE       where to write the JSON results (default bench/results/latest-<algorithm>.json)
DATABASE_URL, when set, is used instead of an embedded PostgreSQL.
`);
  process.exit(0);
}
const duration = Number(flags.duration);
const loginDuration = Number(flags['login-duration'] ?? flags.duration);
const connections = Number(flags.connections);
const rounds = 2 * Math.ceil(Number(flags.rounds) / 2);
const distinctTokenCount = Number(flags['distinct-tokens']);
/** Gatehouse's verified-token cache (libs/auth/src/tokens/access-token-verifier.ts). */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
/** One result from several rounds of the same scenario. */
const combine = (runs) => ({
  requestsPerSecond: runs.reduce((sum, run) => sum + run.total, 0) / runs.reduce((sum, run) => sum + run.seconds, 0),
  total: runs.reduce((sum, run) => sum + run.total, 0),
  p50: median(runs.map((run) => run.p50)),
  p99: median(runs.map((run) => run.p99)),
  errors: runs.reduce((sum, run) => sum + run.errors, 0),
  seconds: runs.reduce((sum, run) => sum + run.seconds, 0),
  serverCpuSeconds: runs.some((run) => run.serverCpuSeconds === null) ? null : runs.reduce((sum, run) => sum + run.serverCpuSeconds, 0),
  statusCodes: runs.reduce((codes, run) => {
    for (const [code, count] of Object.entries(run.statusCodes)) codes[code] = (codes[code] ?? 0) + count;
    return codes;
  }, {}),
  rounds: runs.length,
});
const bcryptCost = Number(flags['bcrypt-cost']);
const algorithm = flags.algorithm;
if (!['HS256', 'RS256', 'ES256', 'EdDSA'].includes(algorithm))
  throw new Error(`--algorithm: ${algorithm} is not one of HS256, RS256, ES256, EdDSA`);
const asymmetric = algorithm !== 'HS256';
const output = flags.output ?? join(root, 'bench', 'results', `latest-${algorithm.toLowerCase()}.json`);
const log = (line) => process.stderr.write(`${line}\n`);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A load-generator process (bench/load.mjs), pinned to one CPU when `cpu` is given. It runs
 * the scenarios it is sent one after another; each result also tells how much CPU time the
 * process `serverPid` used meanwhile.
 */
const generators = new Set();
function startLoadGenerator(cpu, serverPid) {
  const command = cpu === undefined ? [process.execPath] : ['taskset', '-c', String(cpu), process.execPath];
  const child = spawn(command[0], [...command.slice(1), join(root, 'bench', 'load.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  generators.add(child);
  const waiting = [];
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      waiting.shift().resolve(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
    }
  });
  child.on('exit', (code) => {
    generators.delete(child);
    for (const { reject } of waiting.splice(0)) reject(new Error(`load generator exited with ${code}`));
  });
  return {
    /** Runs a scenario; `pid` is the server it drives when that is not `serverPid`. */
    run: async (scenario, pid = serverPid) => {
      const before = await cpuSeconds(pid);
      const result = await new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify(scenario)}\n`);
      });
      const after = await cpuSeconds(pid);
      return { ...result, serverCpuSeconds: before === null || after === null ? null : after - before };
    },
    close: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.stdin.end()))),
  };
}

/** Which CPUs the server and the load generator get: apart when `taskset` can put them apart. */
function cpuPlan() {
  const cpuCount = cpus().length;
  if (process.platform !== 'linux' || cpuCount < 2) return undefined;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { generator: cpuCount - 1, server: `0-${cpuCount - 2}`, all: `0-${cpuCount - 1}` };
}

/** Sets the CPUs of every thread of a running process. */
function pin(pid, cpuList) {
  execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds used so far by a process, all its threads together; null where there is no /proc. */
async function cpuSeconds(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}

/**
 * Waits until a process is (nearly) idle, at most `limitMs`: work left over from one scenario
 * (logins still hashing after their connections closed) must not be billed to the next.
 */
async function settle(pid, limitMs = 10_000) {
  const deadline = performance.now() + limitMs;
  let last = await cpuSeconds(pid);
  while (last !== null && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await cpuSeconds(pid);
    if (now - last < 0.01) return;
    last = now;
  }
}

async function residentMemoryMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)[1]) / 1024;
}

async function call(base, method, path, body, token) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

/** Calls `task` on every item, at most `concurrency` at a time. */
async function inParallel(items, concurrency, task) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      while (queue.length > 0) await task(queue.shift());
    }),
  );
}

/**
 * Refresh tokens of new sessions: `users` new users, `sessionsPerUser` logins (audience api)
 * each, as many at a time as there are bcrypt threads.
 */
async function signInSessions(base, { users, sessionsPerUser, password }) {
  const emails = Array.from({ length: users }, (_, user) => `bench-distinct-${Date.now()}-${user}@example.com`);
  await inParallel(emails, availableParallelism(), (email) => call(base, 'POST', '/auth/register', { email, password }));
  const refreshTokens = [];
  await inParallel(
    emails.flatMap((email) => Array(sessionsPerUser).fill(email)),
    availableParallelism(),
    async (email) => refreshTokens.push((await call(base, 'POST', '/auth/login', { email, password, audience: 'api' })).refresh_token),
  );
  return refreshTokens;
}

/** Waits until `url` answers 200; throws `failure()` when `child` exits or 30 s pass first. */
async function waitUntilServing(url, child, failure) {
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    if (attempt > 300 || child.exitCode !== null) throw failure();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What bcrypt allows on this machine's cores at this cost: logins per second at best. */
async function bcryptCapacity(cost) {
  const hash = await bcrypt.hash('benchmark-password', cost);
  const cores = availableParallelism();
  const started = performance.now();
  let done = 0;
  const deadline = started + 4000;
  await Promise.all(
    Array.from({ length: cores }, async () => {
      while (performance.now() < deadline) {
        await bcrypt.compare('benchmark-password', hash);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

// ---------------------------------------------------------------------------------------------

log(`Measuring bcrypt at cost ${bcryptCost} on ${availableParallelism()} cores...`);
const capacity = await bcryptCapacity(bcryptCost);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const dataDir = process.env.DATABASE_URL ? undefined : await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  // Exactly these settings: not those of a developer's .env (npm run dev writes PLATFORM_ENV=dev there).
  GATEHOUSE_ENV_FILE: '/dev/null',
  JWT_ISSUER: 'gatehouse-bench',
  PLATFORM_JWT_SECRET: randomBytes(64).toString('base64url'),
  PORT: String(port),
  BCRYPT_COST: String(bcryptCost),
  LOG_LEVEL: flags['log-level'],
  JWT_SIGNING_ALGORITHM: algorithm,
  // The benchmark is one client address hammering the auth routes on purpose.
  AUTH_RATE_LIMIT: '100000000',
  LOGIN_MAX_FAILURES: '100000000',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { GATEHOUSE_DATA_DIR: dataDir }),
};
log(`Starting Gatehouse (production build, ${env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}) on ${base}...`);
const server = spawn(process.execPath, [join(root, 'bin', 'gatehouse.js'), 'start'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
let serverErrors = '';
server.stderr.on('data', (chunk) => (serverErrors += chunk));
const serverExited = new Promise((resolve) => server.on('exit', resolve));
let framework;
let frameworkExited;

const results = {};
try {
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (attempt > 300 || server.exitCode !== null) throw new Error(`Gatehouse did not start:\n${serverErrors}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  // The framework floor: started as Gatehouse is (node, no taskset; pinned like it for the
  // ratio rounds below), on a port of its own.
  const frameworkBase = `http://127.0.0.1:${await freePort()}`;
  log(`Starting the framework floor (bare NestJS on Fastify) on ${frameworkBase}...`);
  framework = spawn(process.execPath, [join(root, 'bench', 'framework-floor.mjs')], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: new URL(frameworkBase).port },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let frameworkErrors = '';
  framework.stderr.on('data', (chunk) => (frameworkErrors += chunk));
  frameworkExited = new Promise((resolve) => framework.on('exit', resolve));
  await waitUntilServing(
    `${frameworkBase}/health/live`,
    framework,
    () => new Error(`The framework floor did not start:\n${frameworkErrors}`),
  );

  const email = `bench-${Date.now()}@example.com`;
  const password = 'benchmark-password';
  await call(base, 'POST', '/auth/register', { email, password });
  const session = await call(base, 'POST', '/auth/login', { email, password, audience: 'api' });
  const token = session.access_token;
  // Well-formed tokens with wrong signatures of the right length, all different: nothing to
  // cache, and each costs the server one verification with its key (an HMAC, or a public-key
  // verification in an asymmetric mode).
  const [header, payload, signature] = token.split('.');
  const signatureBytes = Buffer.from(signature, 'base64url').length;
  const badTokens = Array.from({ length: 500 }, () => `${header}.${payload}.${randomBytes(signatureBytes).toString('base64url')}`);

  // A client for introspection, made as an operator would (gatehouse client create).
  const made = execFileSync(
    process.execPath,
    [join(root, 'bin', 'gatehouse.js'), 'client', 'create', '--name', 'bench', '--audiences', 'api,mcp', '--json'],
    { env },
  );
  const client = JSON.parse(made.toString());
  const clientAuth = `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64')}`;
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  const introspectBody = new URLSearchParams({ token }).toString();
  const exchangeBody = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: token,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    audience: 'api',
  }).toString();
  const bearer = { authorization: `Bearer ${token}` };
  const scenario = (extra) => ({ url: base, duration, connections, ...extra });

  log('Signing in two sessions per connection for the refresh scenario...');
  let refreshTokens = [];
  const signIn = async () =>
    refreshTokens.push((await call(base, 'POST', '/auth/login', { email, password, audience: 'api' })).refresh_token);
  // As many at a time as there are bcrypt threads.
  while (refreshTokens.length < 2 * connections) await Promise.all(Array.from({ length: availableParallelism() }, signIn));

  // guarded-distinct presents 20,000 access tokens in turn, twice the server's verified-token
  // cache (10,000, oldest dropped first): each token comes round again only after 19,999 others
  // were verified, so every request is a first verification. They come from Gatehouse itself,
  // so that the bench needs no signing key: a few users sign in a few dozen sessions (logins
  // are bcrypt-bound), then the load generator rotates them in parallel chains, as in the
  // refresh scenario, and keeps the access token of every rotation (each has a jti of its own,
  // and a rotation leaves its session valid). All of it before the timed rounds.
  const distinct = { users: 4, sessionsPerUser: 8 };
  log(`Signing in ${distinct.users * distinct.sessionsPerUser} sessions of ${distinct.users} users for guarded-distinct...`);
  let collectStarted = performance.now();
  const distinctSessions = await signInSessions(base, { ...distinct, password });
  const signInSeconds = (performance.now() - collectStarted) / 1000;

  const plan = cpuPlan();
  const generator = startLoadGenerator(plan?.generator, server.pid);
  // Two sessions per connection, as in the refresh scenario, so that a successor is always back
  // in the pool when a connection wants one.
  log(
    `Collecting ${distinctTokenCount} distinct access tokens by as many refreshes (${distinctSessions.length} chains over ${distinctSessions.length / 2} connections)...`,
  );
  collectStarted = performance.now();
  const collected = await generator.run(
    scenario({
      path: '/auth/refresh',
      refreshTokens: distinctSessions,
      amount: distinctTokenCount,
      connections: distinctSessions.length / 2,
      keepAccessTokensAs: 'distinct',
    }),
  );
  const refreshSeconds = (performance.now() - collectStarted) / 1000;
  if (collected.accessTokensKept < distinctTokenCount) {
    throw new Error(
      `guarded-distinct: only ${collected.accessTokensKept} distinct access tokens from ${distinctTokenCount} refreshes (${JSON.stringify(collected.statusCodes)})`,
    );
  }
  const collection = { sessions: distinctSessions.length, ...distinct, tokens: collected.accessTokensKept, signInSeconds, refreshSeconds };
  log(
    `Collected ${collection.tokens} distinct access tokens in ${(signInSeconds + refreshSeconds).toFixed(1)} s (${signInSeconds.toFixed(1)} s signing in, ${refreshSeconds.toFixed(1)} s refreshing)`,
  );
  await settle(server.pid);
  log('Warming up...');
  await generator.run(scenario({ path: '/health/live', duration: 2 }));
  await generator.run(scenario({ url: frameworkBase, path: '/health/live', duration: 2 }), framework.pid);
  await generator.run(scenario({ path: '/auth/claims', headers: bearer, duration: 2 }));
  // As many distinct tokens as the cache holds: it is full before the memory is first read.
  await generator.run(
    scenario({ path: '/auth/claims', tokenPool: 'distinct', amount: Math.min(distinctTokenCount, VERIFIED_TOKEN_CACHE_SIZE) }),
  );
  await generator.run(scenario({ path: '/auth/me', headers: bearer, duration: 1 }));
  // A set number of rotations, none cut off, so that every session's latest token comes back.
  ({ refreshTokens } = await generator.run(scenario({ path: '/auth/refresh', refreshTokens, amount: 3000 })));
  const rssAfterWarmUp = await residentMemoryMb(server.pid);

  // The ratio scenarios: short rounds in the order public, guarded, rejected, guarded-distinct,
  // framework and then the reverse, so that the machine's drifting speed weighs on all five
  // alike; both servers' threads kept off the load generator's CPU (the one not being driven
  // sits idle meanwhile). What each ratio (pairRatio below) tells:
  // - guarded / public: the guard's cost on a token seen before (the verified-token cache hit,
  //   revocation and audience checks, the claims as the body), against the same request
  //   stack answering without a guard.
  // - rejected / public: the cost of refusing forged tokens (one HMAC each, never cached),
  //   the cost an attacker can impose per request.
  // - guarded-distinct / public: the guard's cost when every token is new to the server, as
  //   with many users each sending a few requests: the full verification of every token
  //   (signature, JSON decoding, claims), the cache only ever adding and evicting.
  // - public / framework: how much of bare NestJS-on-Fastify's rate Gatehouse keeps on the
  //   same handler (bench/framework-floor.mjs); the rest is what Gatehouse adds to every
  //   request, guarded or not: its request logging at the production LOG_LEVEL, request ids,
  //   security headers, the duration metric, its global guard letting a public route through.
  if (plan)
    log(
      `Pinning the load generator to CPU ${plan.generator} and the servers (Gatehouse, framework floor) to CPUs ${plan.server} for the ratio scenarios`,
    );
  if (plan) for (const pid of [server.pid, framework.pid]) pin(pid, plan.server);
  await settle(server.pid);
  await settle(framework.pid);
  const roundDuration = Number(flags['ratio-duration']) / rounds;
  // Each scenario, and the server it measures.
  const interleaved = {
    public: [scenario({ path: '/health/live', duration: roundDuration }), server.pid],
    guarded: [scenario({ path: '/auth/claims', headers: bearer, duration: roundDuration }), server.pid],
    rejected: [scenario({ path: '/auth/claims', tokens: badTokens, expectStatus: 401, duration: roundDuration }), server.pid],
    // Round after round the load generator goes on through the pool where it left off.
    'guarded-distinct': [scenario({ path: '/auth/claims', tokenPool: 'distinct', duration: roundDuration }), server.pid],
    // A resource server asking whether a token is active (RFC 7662), with its client credentials.
    introspect: [
      scenario({
        path: '/oauth/introspect',
        method: 'POST',
        headers: { ...formHeaders, authorization: clientAuth },
        body: introspectBody,
        duration: roundDuration,
      }),
      server.pid,
    ],
    framework: [scenario({ url: frameworkBase, path: '/health/live', duration: roundDuration }), framework.pid],
  };
  const perRound = Object.fromEntries(Object.keys(interleaved).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = Object.keys(interleaved);
    if (round % 2 === 1) order.reverse();
    log(`Running ${order.join(', ')} (round ${round + 1} of ${rounds}, ${roundDuration.toFixed(1)} s each)...`);
    for (const name of order) perRound[name].push(await generator.run(...interleaved[name]));
  }
  if (plan) for (const pid of [server.pid, framework.pid]) pin(pid, plan.all);
  // The floor's work is done: it does not stay to share the machine with the scenarios below.
  framework.kill('SIGTERM');
  await frameworkExited;
  for (const name of Object.keys(perRound)) results[name] = combine(perRound[name]);
  // A ratio compares the server's costs only if the server (its one main thread) was the limit.
  const unsaturated = plan
    ? Object.keys(perRound).filter(
        (name) => results[name].serverCpuSeconds !== null && results[name].serverCpuSeconds / results[name].seconds < 0.9,
      )
    : [];
  /** Over each pair of rounds (forward, then reverse), a drift that is linear in time cancels. */
  const pairRatio = (name, reference = 'public') =>
    median(
      Array.from({ length: rounds / 2 }, (_, pair) => {
        const rate = (runs) => runs[2 * pair].requestsPerSecond + runs[2 * pair + 1].requestsPerSecond;
        return rate(perRound[name]) / rate(perRound[reference]);
      }),
    );

  const run = async (name, config) => {
    await settle(server.pid);
    log(`Running ${name}...`);
    const { refreshTokens: _successors, ...result } = await generator.run(config);
    results[name] = result;
  };
  await run('guarded-db', scenario({ path: '/auth/me', headers: bearer }));

  const loginBody = JSON.stringify({ email, password, audience: 'api' });
  const loginConnections = Math.max(8, availableParallelism() * 4);
  const login = scenario({
    path: '/auth/login',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: loginBody,
    connections: loginConnections,
  });
  await run('login', { ...login, duration: loginDuration });

  await run('refresh', scenario({ path: '/auth/refresh', refreshTokens }));
  // Token exchange (RFC 8693): the session's access token for a new one, one signature each.
  await run('exchange', scenario({ path: '/oauth/token', method: 'POST', headers: formHeaders, body: exchangeBody }));

  await settle(server.pid);
  log('Running guarded-under-login...');
  const loginGenerator = startLoadGenerator(plan?.generator, server.pid);
  const [underLogin] = await Promise.all([generator.run(scenario({ path: '/auth/claims', headers: bearer })), loginGenerator.run(login)]);
  results['guarded-under-login'] = underLogin;
  await Promise.all([generator.close(), loginGenerator.close()]);

  const rssAtEnd = await residentMemoryMb(server.pid);
  // The meaning of each of the first four: at the ratio rounds above.
  const pairRatios = {
    'guarded / public': pairRatio('guarded'),
    'rejected / public': pairRatio('rejected'),
    'guarded-distinct / public': pairRatio('guarded-distinct'),
    'introspect / public': pairRatio('introspect'),
    'public / framework': pairRatio('public', 'framework'),
  };
  const ratios = {
    ...pairRatios,
    'p99 guarded-under-login / p99 guarded': results['guarded-under-login'].p99 / Math.max(results.guarded.p99, 1),
    'login / bcrypt capacity': results.login.requestsPerSecond / capacity,
    'rss end / rss after warm-up': rssAtEnd / rssAfterWarmUp,
  };
  // An asymmetric mode verifies each new or forged token with a public key, not one HMAC.
  const target = asymmetric ? { rejected: 0.5, distinct: 0.6 } : { rejected: 0.8, distinct: 0.75 };
  const targets = [
    ['guarded ≥ 0.85 × public', ratios['guarded / public'] >= 0.85],
    [`rejected ≥ ${target.rejected} × public`, ratios['rejected / public'] >= target.rejected],
    [`guarded-distinct ≥ ${target.distinct} × public`, ratios['guarded-distinct / public'] >= target.distinct],
    ['introspect ≥ 0.5 × public', ratios['introspect / public'] >= 0.5],
    ['exchange ≥ 1000/s', results.exchange.requestsPerSecond >= 1000],
    ['public ≥ 0.5 × framework', ratios['public / framework'] >= 0.5],
    ['guarded-under-login p99 ≤ 2 × guarded p99', ratios['p99 guarded-under-login / p99 guarded'] <= 2],
    ['login ≥ 80% of bcrypt capacity', ratios['login / bcrypt capacity'] >= 0.8],
    ['refresh ≥ 1000/s', results.refresh.requestsPerSecond >= 1000],
    ['resident memory within 1.5× of warm-up', ratios['rss end / rss after warm-up'] <= 1.5],
    ['no errors in any scenario', Object.values(results).every((r) => r.errors === 0)],
  ];

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
  };
  const report = {
    date: new Date().toISOString(),
    commit: (() => {
      try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
      } catch {
        return 'unknown';
      }
    })(),
    machine,
    settings: {
      duration,
      ratioDuration: Number(flags['ratio-duration']),
      rounds,
      cpus: plan ?? 'not pinned',
      loginDuration,
      connections,
      loginConnections,
      bcryptCost,
      logLevel: flags['log-level'],
      signingAlgorithm: algorithm,
      distinctTokens: distinctTokenCount,
    },
    distinctTokens: collection,
    perRound,
    bcryptCapacityPerSecond: capacity,
    memory: { rssAfterWarmUpMb: rssAfterWarmUp, rssAtEndMb: rssAtEnd },
    scenarios: results,
    ratios,
    serverNotSaturated: unsaturated,
    targets: Object.fromEntries(targets),
  };
  await writeFile(output, `${JSON.stringify(report, null, 2)}\n`);

  const cpuPerRequest = (r) => {
    if (r.serverCpuSeconds === null) return '-';
    const micros = (r.serverCpuSeconds / r.total) * 1e6;
    return micros < 10_000 ? `${micros.toFixed(0)} µs` : `${(micros / 1000).toFixed(0)} ms`;
  };
  const busy = (r) => (r.serverCpuSeconds === null ? '-' : (r.serverCpuSeconds / r.seconds).toFixed(2));
  const rows = Object.entries(results).map(([name, r]) => [
    name,
    r.requestsPerSecond.toFixed(0),
    `${r.p50} ms`,
    `${r.p99} ms`,
    String(r.errors),
    cpuPerRequest(r),
    busy(r),
  ]);
  const table = [['scenario', 'requests/s', 'p50', 'p99', 'errors', 'server CPU/request', 'server busy'], ...rows];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  const line = (row) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const out = [
    `Gatehouse benchmark, JWT_SIGNING_ALGORITHM=${algorithm}, ${report.date}, commit ${report.commit}`,
    `${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GiB, Node ${machine.node}, ${machine.postgres} PostgreSQL; ${connections} connections, ${duration} s per scenario (${Object.keys(perRound).join(', ')}: ${flags['ratio-duration']} s each in ${rounds} interleaved rounds), BCRYPT_COST ${bcryptCost}, LOG_LEVEL ${flags['log-level']}`,
    '',
    line(table[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
    '',
    `bcrypt capacity at cost ${bcryptCost}: ${capacity.toFixed(1)} comparisons/s on ${machine.cores} cores`,
    `resident memory: ${rssAfterWarmUp.toFixed(0)} MB after warm-up, ${rssAtEnd.toFixed(0)} MB at the end`,
    '',
    ...Object.entries(ratios).map(([name, value]) => `${name}: ${value.toFixed(2)}`),
    `(${Object.keys(pairRatios).join(', ')}: medians over ${rounds / 2} pairs of rounds${plan ? `; servers on CPUs ${plan.server}, load generator on CPU ${plan.generator}` : ''})`,
    `(framework: bare NestJS on Fastify, the same /health/live handler; its server columns are the framework floor's process;`,
    ` guarded-distinct: ${collection.tokens} distinct access tokens in turn, from ${collection.sessions} sessions of ${collection.users} users, collected in ${(signInSeconds + refreshSeconds).toFixed(1)} s before the rounds)`,
    ...unsaturated.map(
      (name) =>
        `warning: in ${name} the server kept only ${busy(results[name])} of a core busy: the load generator, not the server, may have set that rate`,
    ),
    '',
    ...targets.map(([name, met]) => `${met ? 'met    ' : 'NOT MET'}  ${name}`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  process.exitCode = targets.every(([, met]) => met) ? 0 : 1;
} finally {
  for (const child of generators) child.kill();
  if (framework && framework.exitCode === null && framework.signalCode === null) framework.kill('SIGTERM');
  await frameworkExited;
  server.kill('SIGTERM');
  await serverExited;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
