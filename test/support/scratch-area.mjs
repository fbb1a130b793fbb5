// One directory per Jest run for everything the tests write: its `tmp/` becomes TMPDIR (so
// `os.tmpdir()` in the tests, and in the gatehouse processes they start, points there) and the
// embedded PostgreSQL of the run lives beside it. The global teardown removes it, and fails the
// run, listing them, if a test left files in `tmp/` (a test must clean up after itself: some
// hold secrets). Used by the global setup and teardown of the unit, medium and e2e projects;
// Jest runs them in one process, so the projects of one run share the area.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'gatehouse-test-run-';
/**
 * What Node itself keeps in TMPDIR, not a test: from Node 22 on, tools that enable the module
 * compile cache (TypeScript's tsc, run by the image test's build stage) write `node-compile-cache`
 * there. Removed with the area, never counted as a test's leftover.
 */
const NODE_OWN_ENTRIES = new Set(['node-compile-cache']);

/** @type {{ users: number, root?: string, tmp?: string, previousTmpdir?: string }} */
const state = (globalThis.__gatehouseScratchArea ??= { users: 0 });

/** Opens the run's area (or joins the one open); returns its root directory. */
export function openScratchArea() {
  if (state.users++ > 0) return state.root;
  const systemTmp = tmpdir();
  removeAreasOfEndedRuns(systemTmp);
  state.root = mkdtempSync(join(systemTmp, `${PREFIX}${process.pid}-`));
  state.tmp = join(state.root, 'tmp');
  mkdirSync(state.tmp);
  // Others may pass through but not list: as root, the embedded PostgreSQL runs as the `postgres`
  // user, which must reach its data directory and the password file initdb reads from TMPDIR.
  // What the tests create there (mkdtemp) is theirs alone (0700).
  chmodSync(state.root, 0o711);
  chmodSync(state.tmp, 0o711);
  state.previousTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = state.tmp;
  // A run that crashes before its teardown still leaves nothing behind.
  process.once('exit', removeArea);
  return state.root;
}

/**
 * Closes the area when its last user does: removes it, and throws (failing the run) when a
 * test left something in its tmp directory.
 */
export function closeScratchArea() {
  if (--state.users > 0) return;
  const left = existsSync(state.tmp) ? readdirSync(state.tmp).filter((entry) => !NODE_OWN_ENTRIES.has(entry)) : [];
  removeArea();
  process.removeListener('exit', removeArea);
  if (left.length > 0) {
    throw new Error(
      `Tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temporary directory ` +
        `(now removed): ${left.join(', ')}. Remove what a test creates in afterAll or a finally block.`,
    );
  }
}

function removeArea() {
  if (state.previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = state.previousTmpdir;
  rmSync(state.root, { recursive: true, force: true });
}

/**
 * Areas of runs whose Jest was killed (no teardown, no exit hook): removed, unless a PostgreSQL
 * still runs in one (then the way to stop it is printed, and the area is kept).
 */
function removeAreasOfEndedRuns(systemTmp) {
  for (const entry of readdirSync(systemTmp)) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-`).exec(entry)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    const area = join(systemTmp, entry);
    const postgres = postmasterOf(area);
    if (postgres !== undefined && isRunning(postgres)) {
      process.stderr.write(`\nA killed test run left a PostgreSQL running in ${area}: stop it with kill ${postgres}\n`);
      continue;
    }
    rmSync(area, { recursive: true, force: true });
  }
}

function postmasterOf(area) {
  const pidFile = join(area, 'database', 'postgres', 'postmaster.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
