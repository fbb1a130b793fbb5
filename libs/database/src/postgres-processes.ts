import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What the system says about a process: /proc where there is one (Linux), `ps` elsewhere. */
interface ProcessInfo {
  parent: number;
  /** The command line, arguments separated by spaces. */
  command: string;
  /** The arguments one by one, where the system gives them so (/proc). */
  args?: string[];
  zombie: boolean;
}

async function processInfo(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((arg) => arg !== '');
    return { parent: Number(fields[1]), command: args.join(' '), args, zombie: fields[0] === 'Z' };
  } catch {
    // No /proc (macOS), or the process is gone.
  }
  try {
    const { stdout } = await run('ps', ['-o', 'ppid=,stat=,command=', '-p', String(pid)]);
    const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(stdout.trim());
    return match ? { parent: Number(match[1]), zombie: match[2].startsWith('Z'), command: match[3] } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process exists (and is not a zombie waiting to be reaped). */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !(await processInfo(pid))?.zombie;
}

/** The parent process of `pid`, or undefined when the system cannot tell. */
export async function parentOf(pid: number): Promise<number | undefined> {
  return (await processInfo(pid))?.parent;
}

/** Whether `pid` runs a command naming `argument` (a PostgreSQL started with `-D <dir>`), or undefined when the system cannot tell. */
export async function runsWith(pid: number, argument: string): Promise<boolean | undefined> {
  const info = await processInfo(pid);
  if (info === undefined) return undefined;
  return info.args ? info.args.includes(argument) : info.command.includes(argument);
}

/** Waits until `pid` has exited, at most `timeoutMs`; whether it did. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** The uid and gid of a system user (PostgreSQL runs as `postgres` when Gatehouse runs as root). */
export async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}
