import { Logger } from '@nestjs/common';
import { type ChildProcess, spawn } from 'node:child_process';

/** Restarts after an unexpected exit wait from this, doubling up to the cap. */
const FIRST_RESTART_MS = 500;
const MAX_RESTART_MS = 10_000;
/** A start may take this long: crash recovery after an unclean stop included. */
const START_TIMEOUT_MS = 120_000;
const READY_LINE = 'database system is ready to accept connections';

export interface SupervisedPostgresSettings {
  /** The `postgres` binary. */
  binary: string;
  clusterDir: string;
  port: number;
  /** The user PostgreSQL runs as, when Gatehouse runs as root. */
  user?: { uid: number; gid: number };
  /** Every line PostgreSQL writes. */
  log: (line: string) => void;
}

/**
 * The embedded PostgreSQL server process. It runs in a process group (and session) of its own,
 * so a Ctrl-C at the terminal reaches Gatehouse only, which stops it in order after its
 * in-flight requests. If it stops on its own, Gatehouse says so in an error line and starts it
 * again on the same port (with capped backoff) until it runs or Gatehouse stops.
 */
export class SupervisedPostgres {
  private readonly logger = new Logger('EmbeddedPostgres');
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarting: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** The last lines PostgreSQL wrote, for the error messages. */
  readonly recentLog: string[] = [];

  constructor(private readonly settings: SupervisedPostgresSettings) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts PostgreSQL; resolves once it accepts connections. */
  async start(): Promise<void> {
    const { binary, clusterDir, port, user } = this.settings;
    const child = spawn(
      binary,
      ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      {
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        // Nothing of Gatehouse's environment (its secrets) is handed to PostgreSQL.
        env: { LC_MESSAGES: 'C' },
        ...user,
      },
    );
    let ready = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGQUIT');
        reject(new Error(`not ready within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      child.stderr.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        this.remember(text);
        if (!ready && text.includes(READY_LINE)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        if (ready) return this.exited(child, code, signal);
        clearTimeout(timer);
        reject(new Error(`it exited (${describeExit(code, signal)})`));
      });
    });
    this.child = child;
  }

  /** Stops PostgreSQL (fast shutdown: open transactions are rolled back) and any restart in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.restarting;
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGINT');
    });
  }

  /** For a process that exits without stopping it (fast shutdown, without waiting). */
  kill(): void {
    this.child?.kill('SIGINT');
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    this.child = undefined;
    this.logger.error(
      `The embedded PostgreSQL (pid ${child.pid}) stopped unexpectedly (${describeExit(code, signal)}); ` +
        `requests that need the database get 503 until it runs again; restarting it. Its last log lines:\n  ${this.recentLog.slice(-5).join('\n  ')}`,
    );
    this.restarting = this.restart();
  }

  private async restart(): Promise<void> {
    for (let delay = FIRST_RESTART_MS; !this.stopping; delay = Math.min(MAX_RESTART_MS, delay * 2)) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, delay).unref();
      });
      if (this.stopping) return;
      try {
        await this.start();
        this.logger.log(`The embedded PostgreSQL is running again (pid ${this.child?.pid})`);
        this.restarting = undefined;
        return;
      } catch (error) {
        this.logger.warn(`The embedded PostgreSQL could not be restarted (${(error as Error).message}); trying again`);
      }
    }
  }

  private remember(text: string): void {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    this.recentLog.push(...lines);
    this.recentLog.splice(0, Math.max(0, this.recentLog.length - 20));
    for (const line of lines) this.settings.log(line);
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `exit code ${code}` : `signal ${signal}`;
}
