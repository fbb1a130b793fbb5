#!/usr/bin/env node
// npm run bench:kit: the cost of the kit's guard (@gatehouse/nest) in the example workspace app.
// Starts Gatehouse (production build, ES256 keys, its own embedded PostgreSQL or DATABASE_URL) and
// the example app against it, then drives the app's GET /api/profile (a valid api token: the
// guard verifies it, the handler returns the principal) and its public GET /health in short
// interleaved rounds, with autocannon from a process of its own (bench/load.mjs), as
// `npm run bench` does for Gatehouse. Prints a table and the ratio, writes
// bench/results/kit-latest.json, and exits 1 when the target is missed.
import { execFileSync, spawn } from 'node:child_process';
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
    'ratio-duration': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '14' },
    connections: { type: 'string', default: '50' },
    introspection: { type: 'boolean', default: false },
    output: { type: 'string', default: join(root, 'bench', 'results', 'kit-latest.json') },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`Usage: npm run bench:kit -- [options]
  --ratio-duration S  seconds in all for each of guarded and public (default 20)
  --rounds N          they run interleaved in N rounds of ratio-duration/N seconds, guarded
                      then public, then the reverse; the ratio is the median over pairs of
                      rounds (default 14, made even)
  --connections N     concurrent connections (default 50)
  --introspection     give the app a client (gatehouse client create), so that the guard also
                      asks Gatehouse's /oauth/introspect (answers cached for up to 5 s)
  --output FILE       where to write the JSON results (default bench/results/kit-latest.json)
DATABASE_URL, when set, is used for Gatehouse instead of an embedded PostgreSQL.
`);
  process.exit(0);
}
const connections = Number(flags.connections);
const rounds = 2 * Math.ceil(Number(flags.rounds) / 2);
const roundDuration = Number(flags['ratio-duration']) / rounds;
const log = (line) => process.stderr.write(`${line}\n`);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

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

/** Waits until a process is (nearly) idle, at most `limitMs`. */
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

/** Which CPUs the servers and the load generator get: apart when `taskset` can put them apart. */
function cpuPlan() {
  const cpuCount = cpus().length;
  if (process.platform !== 'linux' || cpuCount < 2) return undefined;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { generator: cpuCount - 1, server: `0-${cpuCount - 2}` };
}

function pin(pid, cpuList) {
  execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
}

/** The load generator (bench/load.mjs); each result also tells the CPU time `serverPid` used meanwhile. */
function startLoadGenerator(cpu, serverPid) {
  const command = cpu === undefined ? [process.execPath] : ['taskset', '-c', String(cpu), process.execPath];
  const child = spawn(command[0], [...command.slice(1), join(root, 'bench', 'load.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
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
    for (const { reject } of waiting.splice(0)) reject(new Error(`load generator exited with ${code}`));
  });
  return {
    child,
    run: async (scenario) => {
      const before = await cpuSeconds(serverPid);
      const result = await new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify(scenario)}\n`);
      });
      const after = await cpuSeconds(serverPid);
      return { ...result, serverCpuSeconds: before === null || after === null ? null : after - before };
    },
    close: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.stdin.end()))),
  };
}

/** Starts a process, keeps its output for errors, and waits until `url` answers 200. */
async function startServer(name, args, env, url) {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { child, exited, output: () => output };
    if (attempt > 300 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function call(base, method, path, body) {
  const response = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

// ---------------------------------------------------------------------------------------------

const gatehouseBase = `http://127.0.0.1:${await freePort()}`;
const dataDir = process.env.DATABASE_URL ? undefined : await mkdtemp(join(tmpdir(), 'gatehouse-bench-kit-'));
const gatehouseEnv = {
  // Exactly these settings, never a developer's .env.
  GATEHOUSE_ENV_FILE: '/dev/null',
  JWT_ISSUER: gatehouseBase,
  PUBLIC_URL: gatehouseBase,
  JWT_SIGNING_ALGORITHM: 'ES256',
  PLATFORM_JWT_SECRET: randomBytes(64).toString('base64url'),
  PORT: new URL(gatehouseBase).port,
  BCRYPT_COST: '10',
  LOG_LEVEL: 'warn',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { GATEHOUSE_DATA_DIR: dataDir }),
};
const processes = [];
const results = {};
let generator;
try {
  log(
    `Starting Gatehouse (production build, ES256, ${gatehouseEnv.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}) on ${gatehouseBase}...`,
  );
  const gatehouse = await startServer(
    'Gatehouse',
    [join(root, 'bin', 'gatehouse.js'), 'start'],
    gatehouseEnv,
    `${gatehouseBase}/health/ready`,
  );
  processes.push(gatehouse);

  const appPort = await freePort();
  const appBase = `http://127.0.0.1:${appPort}`;
  const appEnv = { GATEHOUSE_URL: gatehouseBase, EXAMPLE_PORT: String(appPort) };
  if (flags.introspection) {
    const created = execFileSync(
      process.execPath,
      [join(root, 'bin', 'gatehouse.js'), 'client', 'create', '--name', 'bench-kit', '--audiences', 'api', '--json'],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...gatehouseEnv } },
    );
    const client = JSON.parse(created.toString());
    Object.assign(appEnv, { EXAMPLE_CLIENT_ID: client.client_id, EXAMPLE_CLIENT_SECRET: client.client_secret });
  }
  log(`Starting the example workspace app on ${appBase}${flags.introspection ? ' (with introspection)' : ''}...`);
  const app = await startServer(
    'The example app',
    [join(root, 'examples', 'workspace-app', 'dist', 'main.js')],
    appEnv,
    `${appBase}/health`,
  );
  processes.push(app);

  const email = `bench-kit-${Date.now()}@example.com`;
  const password = 'benchmark-password';
  await call(gatehouseBase, 'POST', '/auth/register', { email, password });
  const { access_token: token } = await call(gatehouseBase, 'POST', '/auth/login', { email, password, audience: 'api' });
  const check = await fetch(`${appBase}/api/profile`, { headers: { authorization: `Bearer ${token}` } });
  if (check.status !== 200) throw new Error(`GET /api/profile with an api token: ${check.status} ${await check.text()}`);

  const plan = cpuPlan();
  if (plan) {
    log(`Pinning the load generator to CPU ${plan.generator}, the app and Gatehouse to CPUs ${plan.server}`);
    for (const { child } of processes) pin(child.pid, plan.server);
  }
  generator = startLoadGenerator(plan?.generator, app.child.pid);
  const scenarios = {
    guarded: { url: appBase, path: '/api/profile', headers: { authorization: `Bearer ${token}` }, connections },
    public: { url: appBase, path: '/health', connections },
  };
  log('Warming up...');
  for (const scenario of Object.values(scenarios)) await generator.run({ ...scenario, duration: 2 });
  await settle(app.child.pid);

  const perRound = { guarded: [], public: [] };
  for (let round = 0; round < rounds; round++) {
    const order = Object.keys(scenarios);
    if (round % 2 === 1) order.reverse();
    log(`Running ${order.join(', ')} (round ${round + 1} of ${rounds}, ${roundDuration.toFixed(1)} s each)...`);
    for (const name of order) perRound[name].push(await generator.run({ ...scenarios[name], duration: roundDuration }));
  }
  await generator.close();

  for (const [name, runs] of Object.entries(perRound)) {
    const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
    const total = runs.reduce((sum, run) => sum + run.total, 0);
    const serverCpuSeconds = runs.some((run) => run.serverCpuSeconds === null)
      ? null
      : runs.reduce((sum, run) => sum + run.serverCpuSeconds, 0);
    results[name] = {
      requestsPerSecond: total / seconds,
      total,
      seconds,
      p50: median(runs.map((run) => run.p50)),
      p99: median(runs.map((run) => run.p99)),
      errors: runs.reduce((sum, run) => sum + run.errors, 0),
      serverCpuSeconds,
    };
  }
  // Over each pair of rounds (one order, then the other), a drift of the machine's speed that is linear in time cancels.
  const ratio = median(
    Array.from({ length: rounds / 2 }, (_, pair) => {
      const rate = (runs) => runs[2 * pair].requestsPerSecond + runs[2 * pair + 1].requestsPerSecond;
      return rate(perRound.guarded) / rate(perRound.public);
    }),
  );
  const unsaturated = plan
    ? Object.keys(results).filter(
        (name) => results[name].serverCpuSeconds !== null && results[name].serverCpuSeconds / results[name].seconds < 0.9,
      )
    : [];
  const targets = [
    ['guarded ≥ 0.85 × public', ratio >= 0.85],
    ['no errors', Object.values(results).every((result) => result.errors === 0)],
  ];
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const report = {
    date: new Date().toISOString(),
    commit,
    machine,
    settings: {
      ratioDuration: Number(flags['ratio-duration']),
      rounds,
      connections,
      introspection: flags.introspection,
      cpus: plan ?? 'not pinned',
    },
    perRound,
    scenarios: results,
    ratios: { 'guarded / public': ratio },
    serverNotSaturated: unsaturated,
    targets: Object.fromEntries(targets),
  };
  await writeFile(flags.output, `${JSON.stringify(report, null, 2)}\n`);

  const cpuPerRequest = (r) => (r.serverCpuSeconds === null ? '-' : `${((r.serverCpuSeconds / r.total) * 1e6).toFixed(0)} µs`);
  const busy = (r) => (r.serverCpuSeconds === null ? '-' : (r.serverCpuSeconds / r.seconds).toFixed(2));
  const table = [
    ['scenario', 'requests/s', 'p50', 'p99', 'errors', 'app CPU/request', 'app busy (cores)'],
    ...Object.entries(results).map(([name, r]) => [
      name,
      r.requestsPerSecond.toFixed(0),
      `${r.p50} ms`,
      `${r.p99} ms`,
      String(r.errors),
      cpuPerRequest(r),
      busy(r),
    ]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  const line = (row) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  process.stdout.write(
    [
      `Kit benchmark (example workspace app), ${report.date}, commit ${commit}`,
      `${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GiB, Node ${machine.node}; ${connections} connections; guarded = GET /api/profile with an api token (ES256, JWKS${flags.introspection ? ', introspection' : ''}), public = GET /health; ${flags['ratio-duration']} s each in ${rounds} interleaved rounds`,
      '',
      line(table[0]),
      `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      ...table.slice(1).map(line),
      '',
      `guarded / public: ${ratio.toFixed(2)} (median over ${rounds / 2} pairs of rounds${plan ? `; app on CPUs ${plan.server}, load generator on CPU ${plan.generator}` : ''})`,
      ...(results.guarded.serverCpuSeconds === null || results.public.serverCpuSeconds === null
        ? []
        : [
            `app CPU per request, public / guarded: ${(results.public.serverCpuSeconds / results.public.total / (results.guarded.serverCpuSeconds / results.guarded.total)).toFixed(2)} (what the ratio would be with the app the only limit)`,
          ]),
      ...unsaturated.map(
        (name) =>
          `warning: in ${name} the app kept only ${busy(results[name])} of a core busy: the load generator, not the app, may have set that rate`,
      ),
      '',
      ...targets.map(([name, met]) => `${met ? 'met    ' : 'NOT MET'}  ${name}`),
    ].join('\n') + '\n',
  );
  process.exitCode = targets.every(([, met]) => met) ? 0 : 1;
} finally {
  generator?.child.kill();
  for (const { child, exited } of processes.reverse()) {
    child.kill('SIGTERM');
    await exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
