#!/usr/bin/env node
// npm run faults: the built Gatehouse under light load while its PostgreSQL and Redis fail.
// Runs a PostgreSQL and a Redis of its own (never the machine's), on 127.0.0.1 only, and checks
// what an operator relies on:
// - PostgreSQL stopped for 20 s: /health/live keeps answering, requests get 503 with Retry-After
//   (never a 500, never a hang), Gatehouse serves again within seconds of PostgreSQL's return,
//   with as many connections to it and open files as before;
// - PostgreSQL frozen (SIGSTOP): requests still get an answer, 503 with Retry-After, within the
//   database timeouts; the same recovery after it thaws;
// - Redis frozen: login and refresh keep working on the in-process counters, answering within
//   Redis's command timeout;
// - SIGTERM afterwards: exit 0, no connection left open.
// Bounded: a few minutes at most; everything it started is stopped and removed, even on failure.
import { randomUUID } from 'node:crypto';
import { HttpClient, registerAndLogIn, startLoad, summarise } from './load.mjs';
import { cleanUp, databaseObserver, scratchDirectory, sleep, startGatehouse, startOwnPostgres, startOwnRedis } from './processes.mjs';

const OUTAGE_MS = 20_000;
const FREEZE_MS = 15_000;
const REDIS_FREEZE_MS = 10_000;
/** Gatehouse must serve again within this long after PostgreSQL is back. */
const RECOVERY_MS = 10_000;
/**
 * A request waiting on a frozen PostgreSQL must be answered within this: well above Gatehouse's
 * database timeouts (connection 5 s, query 5 s, a rollback after it), far below "for as long as
 * it is frozen".
 */
const FROZEN_DATABASE_ANSWER_MS = 20_000;
/** The same for a frozen Redis (command timeout 0.5 s, a few commands per login). */
const FROZEN_REDIS_ANSWER_MS = 10_000;
/** A liveness probe must be answered within this, outage or not. */
const LIVENESS_MS = 2_000;
/** Connections and open files must be back to their level before the fault within this. */
const SETTLE_MS = 45_000;
const DEADLINE_MS = 6 * 60_000;

const failures = [];
function check(ok, description, detail = '') {
  process.stdout.write(`${ok ? '  ok ' : '  FAILED '} ${description}${detail ? ` — ${detail}` : ''}\n`);
  if (!ok) failures.push(description);
}
const phase = (title) => process.stdout.write(`\n${title}\n`);

let gatehouse;
let postgres;
async function finish(code) {
  if (failures.length > 0 || code !== 0) {
    if (gatehouse) process.stdout.write(`\nGatehouse's last log lines:\n${gatehouse.output().split('\n').slice(-60).join('\n')}\n`);
    if (postgres) process.stdout.write(`\nPostgreSQL's last log lines:\n${(await postgres.log()).split('\n').slice(-20).join('\n')}\n`);
  }
  await cleanUp();
  process.stdout.write(failures.length === 0 && code === 0 ? '\nAll fault checks passed.\n' : `\n${failures.length} check(s) failed.\n`);
  process.exit(failures.length === 0 ? code : 1);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void finish(130));
setTimeout(() => {
  failures.push(`the fault script finished within ${DEADLINE_MS / 60_000} minutes`);
  void finish(1);
}, DEADLINE_MS).unref();

/** Probes /health/live every 250 ms until stopped; returns every answer. */
function probeLiveness(client) {
  const answers = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      answers.push(await client.request('GET', '/health/live', { timeoutMs: LIVENESS_MS }));
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return answers;
    },
  };
}

/** Polls until a database-backed request succeeds again; the time it took, or undefined. */
async function waitUntilServing(client, user, limitMs) {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    const ready = await client.request('GET', '/health/ready', { timeoutMs: 5000 });
    const me = await client.request('GET', '/auth/me', { token: user.pair.access_token, timeoutMs: 5000 });
    if (ready.status === 200 && me.status === 200) return Date.now() - started;
    await sleep(200);
  }
  return undefined;
}

/** Gatehouse's connections and open files, with no request in flight. */
async function measure(client, observer) {
  client.closeConnections();
  await sleep(500);
  const connections = await observer.gatehouseConnections();
  const total = Object.values(connections).reduce((sum, count) => sum + count, 0);
  return { connections, total, listeners: connections['gatehouse-notifications'] ?? 0, openFiles: await gatehouse.openFiles() };
}

const describe = (sample) => `${sample.total} connections (${JSON.stringify(sample.connections)}), ${sample.openFiles} open files`;

/**
 * Waits until the connections and open files are back to the baseline's level (idle pool
 * connections close after 10 s, and the listener reconnects with backoff), and checks it.
 */
async function checkSettled(client, observer, baseline, fault) {
  const started = Date.now();
  let sample;
  do {
    sample = await measure(client, observer).catch((error) => ({ error }));
    if (!sample.error && sample.listeners === 1 && sample.total <= baseline.total && sample.openFiles <= baseline.openFiles) break;
    await sleep(1000);
  } while (Date.now() - started < SETTLE_MS);
  const detail = sample.error ? sample.error.message : `${describe(sample)}; before: ${describe(baseline)}`;
  check(!sample.error && sample.listeners === 1, `after ${fault}: exactly one LISTEN connection`, detail);
  check(!sample.error && sample.total <= baseline.total, `after ${fault}: no more connections to PostgreSQL than before`, detail);
  check(!sample.error && sample.openFiles <= baseline.openFiles, `after ${fault}: no more open files than before`, detail);
}

/**
 * The LISTEN connection works again, not merely exists: a revocation announced on the channel
 * (as another instance would) makes Gatehouse refuse that session's access token.
 */
async function checkRevocationsArrive(client, gatehouseDatabase, fault) {
  const user = await registerAndLogIn(client, `faults-revoked-${randomUUID()}@example.com`);
  const { sid } = JSON.parse(Buffer.from(user.pair.access_token.split('.')[1], 'base64url').toString());
  await gatehouseDatabase.query(`SELECT pg_notify('gatehouse_session_revoked', '${sid}')`);
  let answer;
  for (let attempt = 0; attempt < 25; attempt++) {
    answer = await client.request('GET', '/auth/me', { token: user.pair.access_token });
    if (answer.status === 401) break;
    await sleep(200);
  }
  check(
    answer.status === 401 && answer.body?.message === 'Token revoked',
    `after ${fault}: a revocation announced by another instance reaches Gatehouse`,
    `${answer.status} ${JSON.stringify(answer.body)}`,
  );
}

const isUnavailable = (record) => record.status === 503 && /^\d+$/.test(record.retryAfter ?? '');
const isSuccess = (record) => typeof record.status === 'number' && record.status >= 200 && record.status < 300;
const listBad = (records) =>
  records
    .slice(0, 5)
    .map((r) => `${r.operation} → ${r.status}${r.retryAfter ? ` (Retry-After ${r.retryAfter})` : ''} after ${Math.round(r.ms)} ms`)
    .join('; ');

async function main() {
  if (process.platform !== 'linux') throw new Error('The fault script reads /proc to count open files: it runs on Linux');
  const dir = await scratchDirectory();

  phase('Setting up: a PostgreSQL and a Redis of its own, and the built Gatehouse');
  postgres = await startOwnPostgres(dir);
  const observer = databaseObserver(postgres.url());
  await observer.query('CREATE DATABASE gatehouse');
  const gatehouseDatabase = databaseObserver(postgres.url('gatehouse'));
  const redis = await startOwnRedis();
  gatehouse = await startGatehouse({ databaseUrl: postgres.url('gatehouse'), redisUrl: redis.url });
  const client = new HttpClient(gatehouse.baseUrl);
  const probes = new HttpClient(gatehouse.baseUrl);
  const users = [];
  for (let i = 0; i < 4; i++) users.push(await registerAndLogIn(client, `faults-${i}-${randomUUID()}@example.com`));

  phase('Before any fault: light load for 5 s');
  let load = startLoad(client, users);
  await sleep(5000);
  let records = await load.stop();
  process.stdout.write(`  ${summarise(records)}\n`);
  check(records.every(isSuccess), 'every request succeeds', listBad(records.filter((r) => !isSuccess(r))));
  const baseline = await measure(client, observer);
  process.stdout.write(`  baseline: ${describe(baseline)}\n`);
  check(baseline.listeners === 1, 'one LISTEN connection', JSON.stringify(baseline.connections));

  phase(`PostgreSQL stopped for ${OUTAGE_MS / 1000} s under load`);
  load = startLoad(client, users);
  await sleep(2000);
  await postgres.stop();
  const stoppedAt = Date.now();
  await observer.reset();
  let liveness = probeLiveness(probes);
  await sleep(1000);
  const readiness = await probes.request('GET', '/health/ready', { timeoutMs: 5000 });
  check(
    readiness.status === 503 && readiness.body?.message === 'Not ready: database is down',
    '/health/ready answers 503 without the database error in its body',
    `${readiness.status} ${JSON.stringify(readiness.body)}`,
  );
  await sleep(OUTAGE_MS - (Date.now() - stoppedAt));
  const restartingAt = Date.now();
  await postgres.start();
  const startedAt = Date.now();
  const recovery = await waitUntilServing(probes, users[0], RECOVERY_MS);
  check(recovery !== undefined, `serves again within ${RECOVERY_MS / 1000} s of PostgreSQL's return`, `after ${recovery} ms`);
  const servingAt = Date.now();
  await sleep(5000);
  records = await load.stop();
  let probed = await liveness.stop();
  process.stdout.write(`  ${summarise(records)}\n`);
  let during = records.filter((r) => r.at >= stoppedAt && r.at + r.ms < restartingAt);
  check(during.some(isUnavailable), 'requests during the outage were answered 503 with Retry-After', `${during.length} requests`);
  check(
    during.every(isUnavailable),
    'every request during the outage gets 503 with Retry-After',
    listBad(during.filter((r) => !isUnavailable(r))),
  );
  check(
    records.every((r) => typeof r.status === 'number' && r.status !== 500),
    'no request gets a 500 or no answer',
    listBad(records.filter((r) => typeof r.status !== 'number' || r.status === 500)),
  );
  let after = records.filter((r) => r.at >= servingAt);
  check(
    after.length > 0 && after.every(isSuccess),
    'every request after the recovery succeeds',
    listBad(after.filter((r) => !isSuccess(r))),
  );
  check(
    probed.length > 0 && probed.every((r) => r.status === 200),
    `/health/live answered within ${LIVENESS_MS} ms throughout`,
    `${probed.length} probes; ${listBad(probed.filter((r) => r.status !== 200))}`,
  );
  await checkSettled(client, observer, baseline, 'the outage');
  await gatehouseDatabase.reset();
  await checkRevocationsArrive(client, gatehouseDatabase, 'the outage');

  phase(`PostgreSQL frozen (SIGSTOP) for ${FREEZE_MS / 1000} s under load`);
  load = startLoad(client, users);
  await sleep(2000);
  await postgres.freeze();
  const frozenAt = Date.now();
  liveness = probeLiveness(probes);
  const frozenReadiness = await probes.request('GET', '/health/ready', { timeoutMs: FROZEN_DATABASE_ANSWER_MS });
  check(
    frozenReadiness.status === 503,
    '/health/ready answers 503 while PostgreSQL is frozen',
    `${frozenReadiness.status} after ${Math.round(frozenReadiness.ms)} ms`,
  );
  await sleep(FREEZE_MS - (Date.now() - frozenAt));
  await postgres.thaw();
  const thawedAt = Date.now();
  const thawRecovery = await waitUntilServing(probes, users[0], RECOVERY_MS);
  check(thawRecovery !== undefined, `serves again within ${RECOVERY_MS / 1000} s of PostgreSQL thawing`, `after ${thawRecovery} ms`);
  const servingAgainAt = Date.now();
  await sleep(3000);
  records = await load.stop();
  probed = await liveness.stop();
  process.stdout.write(`  ${summarise(records)}\n`);
  during = records.filter((r) => r.at >= frozenAt && r.at + r.ms < thawedAt);
  check(during.some(isUnavailable), 'requests during the freeze were answered 503 with Retry-After', `${during.length} requests`);
  check(
    during.every(isUnavailable),
    'every request answered during the freeze got 503 with Retry-After',
    listBad(during.filter((r) => !isUnavailable(r))),
  );
  check(
    records.every((r) => typeof r.status === 'number' && r.status !== 500 && r.ms <= FROZEN_DATABASE_ANSWER_MS),
    `every request is answered, never 500, within ${FROZEN_DATABASE_ANSWER_MS / 1000} s`,
    listBad(records.filter((r) => typeof r.status !== 'number' || r.status === 500 || r.ms > FROZEN_DATABASE_ANSWER_MS)),
  );
  after = records.filter((r) => r.at >= servingAgainAt);
  check(after.length > 0 && after.every(isSuccess), 'every request after the thaw succeeds', listBad(after.filter((r) => !isSuccess(r))));
  check(
    probed.length > 0 && probed.every((r) => r.status === 200),
    `/health/live answered within ${LIVENESS_MS} ms throughout`,
    `${probed.length} probes; ${listBad(probed.filter((r) => r.status !== 200))}`,
  );
  await checkSettled(client, observer, baseline, 'the freeze');
  await checkRevocationsArrive(client, gatehouseDatabase, 'the freeze');

  phase(`Redis frozen (SIGSTOP) for ${REDIS_FREEZE_MS / 1000} s under logins and refreshes`);
  load = startLoad(client, users, { operations: ['login', 'refresh'] });
  await sleep(1000);
  redis.freeze();
  const redisFrozenAt = Date.now();
  await sleep(REDIS_FREEZE_MS);
  redis.thaw();
  const redisThawedAt = Date.now();
  await sleep(2000);
  records = await load.stop();
  process.stdout.write(`  ${summarise(records)}\n`);
  during = records.filter((r) => r.at >= redisFrozenAt && r.at < redisThawedAt);
  check(during.length > 0, 'logins and refreshes were sent while Redis was frozen', `${during.length} requests`);
  check(
    records.every((r) => isSuccess(r) && r.ms <= FROZEN_REDIS_ANSWER_MS),
    `every login and refresh succeeds within ${FROZEN_REDIS_ANSWER_MS / 1000} s (in-process counters stand in)`,
    listBad(records.filter((r) => !isSuccess(r) || r.ms > FROZEN_REDIS_ANSWER_MS)),
  );

  phase('Shutdown');
  client.closeConnections();
  probes.closeConnections();
  const { code, signal } = await gatehouse.stop();
  check(code === 0, 'SIGTERM stops Gatehouse with exit code 0', `code ${code}, signal ${signal}`);
  let left = await observer.gatehouseConnections();
  for (let attempt = 0; attempt < 20 && Object.keys(left).length > 0; attempt++) {
    await sleep(250);
    left = await observer.gatehouseConnections();
  }
  check(Object.keys(left).length === 0, 'no connection from Gatehouse is left open', JSON.stringify(left));
}

main().then(
  () => finish(0),
  (error) => {
    process.stdout.write(`\nThe fault script could not run: ${error.stack ?? error}\n`);
    failures.push('the fault script ran to the end');
    return finish(1);
  },
);
