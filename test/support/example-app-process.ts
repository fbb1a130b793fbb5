import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CommandResult, ServerProcess } from './gatehouse-process.js';

/** The example workspace app's compiled entry point (`npm run build` builds it with the workspaces). */
export const EXAMPLE_APP_MAIN = fileURLToPath(new URL('../../examples/workspace-app/dist/main.js', import.meta.url));

const LISTENING = /Example workspace app is listening on/;

/**
 * Starts the example workspace app as `npm run example` does (its compiled main, as a process of
 * its own) with only `env` (plus PATH, HOME and TMPDIR), and waits until its public `/health`
 * answers. A port that was taken meanwhile fails with `code: 'EADDRINUSE'`, for `onFreePort`.
 */
export async function startExampleApp(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [EXAMPLE_APP_MAIN], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: tmpdir(), ...env },
    cwd: tmpdir(),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  const baseUrl = `http://127.0.0.1:${env.EXAMPLE_PORT}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exitedEarly) {
    const ready =
      LISTENING.test(output) &&
      (await fetch(`${baseUrl}/health`).then(
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
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  await exited;
  const error = new Error(`the example app did not become ready:\n${output}`) as NodeJS.ErrnoException;
  if (output.includes('EADDRINUSE')) error.code = 'EADDRINUSE';
  throw error;
}

/** Runs the example app with only `env` until it exits by itself (start-up refusals). */
export function runExampleAppToExit(env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXAMPLE_APP_MAIN], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: tmpdir(), ...env },
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
