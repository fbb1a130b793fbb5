import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

export const GATEHOUSE_BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment a spawned `gatehouse` sees: only PATH, HOME and TMPDIR (the run's scratch
 * area) from this process, so the outer DATABASE_URL and friends never leak into a test by accident.
 */
function childEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: tmpdir(), ...env };
}

/**
 * Runs the real `gatehouse` binary to completion, in `cwd`: by default the run's temporary
 * directory, which holds no `.env` (one in the project directory, as `npm run dev` writes, would
 * change every command's settings).
 */
export function runGatehouse(args: string[], env: Record<string, string> = {}, stdin = '', cwd = tmpdir()): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATEHOUSE_BIN, ...args], { env: childEnvironment(env), cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Where the server says it listens, in its log (a JSON line, or a readable one in dev). */
const LISTENING = /Gatehouse is listening on (http:\/\/[^\s"]+)/;

export interface ServerOptions {
  timeoutMs?: number;
  /** The working directory (default: the run's temporary directory, which holds no `.env`). */
  cwd?: string;
  /** Options of `gatehouse start`, such as --dev. */
  args?: string[];
  /** Lead a process group of its own, as a command started at a terminal does (whose Ctrl-C signals the whole group). */
  processGroup?: boolean;
}

/**
 * Starts `gatehouse start` and waits until /health/ready answers 200. Unless `env` sets PORT,
 * the server listens on port 0 and its log says which port it got (at LOG_LEVEL info or
 * below): a port probed beforehand could be taken by then.
 */
export async function startGatehouseServer(
  env: Record<string, string>,
  { timeoutMs = 30_000, cwd = tmpdir(), args = [], processGroup = false }: ServerOptions = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [GATEHOUSE_BIN, 'start', ...args], {
    env: childEnvironment({ PORT: '0', ...env }),
    cwd,
    detached: processGroup,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  while (Date.now() < deadline && !exitedEarly) {
    const baseUrl = env.PORT === undefined ? LISTENING.exec(output)?.[1] : `http://127.0.0.1:${env.PORT}`;
    const ready =
      baseUrl !== undefined &&
      (await fetch(`${baseUrl}/health/ready`).then(
        (response) => response.status === 200,
        () => false,
      ));
    if (ready) {
      return {
        child,
        baseUrl,
        output: () => output,
        exited,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`gatehouse start did not become ready:\n${output}`);
}
