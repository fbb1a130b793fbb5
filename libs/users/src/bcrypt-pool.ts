import { type OnApplicationShutdown } from '@nestjs/common';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DomainError } from '@app/errors';

/** Niceness of the hashing threads (the lowest priority): anything else gets the CPU first; bcrypt gets what is idle. */
export const BCRYPT_THREAD_NICENESS = 19;
/** Hashes and comparisons that may wait for a thread, per thread; more are refused (503) rather than queued. */
export const BCRYPT_QUEUE_PER_THREAD = 16;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { setPriority } = require('node:os');
const bcrypt = require(workerData.bcryptPath);
// On Linux the nice value belongs to the thread: this lowers only this worker's priority.
try { setPriority(0, workerData.niceness); } catch {}
parentPort.on('message', (message) => {
  // Asked to stop: the port closes and the thread ends by itself, after the task it was on.
  if (message === 'stop') return parentPort.close();
  const { id, operation, password, saltOrHash } = message;
  try {
    const result = operation === 'hash' ? bcrypt.hashSync(password, saltOrHash) : bcrypt.compareSync(password, saltOrHash);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/**
 * How long a stopping thread may take to end by itself (a hash it was on, at the highest
 * BCRYPT_COST, or bcrypt still loading) before it is terminated.
 */
const STOP_TIMEOUT_MS = 10_000;

/** 503 with `Retry-After`: the hashing queue is full. */
export class PasswordHashingBusy extends DomainError {
  constructor(retryAfterSeconds: number) {
    super('unavailable', `Too many password checks in progress; retry in ${retryAfterSeconds} seconds`, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

/** The request that wanted the work was closed before a thread took it: the work was dropped. */
export class PasswordWorkAbandoned extends DomainError {
  constructor() {
    super('unavailable', 'The request was closed before its password was checked');
  }
}

/** 503 for hashing asked of a pool that has stopped (the process is shutting down). */
export class HashingStopped extends DomainError {
  constructor() {
    super('unavailable', 'The server is shutting down; retry in 1 second', { 'Retry-After': '1' });
  }
}

export interface BcryptPoolOptions {
  /** Worker threads (default: one per core; Gatehouse passes BCRYPT_WORKERS). */
  threads?: number;
  /** How many tasks may wait for a thread (default: BCRYPT_QUEUE_PER_THREAD per thread). */
  maxQueued?: number;
}

interface Task {
  id: number;
  operation: 'hash' | 'compare';
  password: string;
  saltOrHash: string | number;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
  /** Stops listening to the request's signal once a thread has the task. */
  release: () => void;
}

interface Slot {
  worker: Worker;
  exited: boolean;
  busy: Task | undefined;
  /** When the busy task was handed to the thread (performance.now()). */
  startedAt: number;
}

/**
 * bcrypt off the event loop, on one low-priority worker thread per core, started on first use. Under a login flood
 * the hashing uses the spare CPU, and requests that need none (a guarded route) keep their
 * latency. The queue is bounded: past it, work is refused at once (503 with `Retry-After`)
 * instead of making every later login wait; and work whose request was closed while it waited
 * is dropped. Every task is settled: hashed, failed, refused or dropped, never left waiting,
 * also when the pool stops.
 */
export class BcryptPool implements OnApplicationShutdown {
  private readonly workers: Slot[] = [];
  private readonly queue: Task[] = [];
  /** How many worker threads hash: started on first use, each an idle V8 isolate (~9 MB) after. */
  readonly threads: number;
  private readonly maxQueued: number;
  private nextId = 0;
  /** Moving average of a task's duration, for `Retry-After` (starts at a cost-12 hash on a slow core). */
  private averageTaskMs = 250;
  private stopped = false;

  constructor(options: BcryptPoolOptions = {}) {
    this.threads = options.threads ?? availableParallelism();
    this.maxQueued = options.maxQueued ?? BCRYPT_QUEUE_PER_THREAD * this.threads;
  }

  /** Workers start on the first hash or comparison: a process that never hashes (most CLI commands) starts none. */
  private start(): void {
    const bcryptPath = createRequire(import.meta.url).resolve('bcrypt');
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath, niceness: BCRYPT_THREAD_NICENESS } });
      worker.unref();
      const slot: Slot = { worker, exited: false, busy: undefined, startedAt: 0 };
      worker.on('message', (message: { id: number; result?: string | boolean; error?: string }) => {
        const task = slot.busy!;
        slot.busy = undefined;
        this.averageTaskMs = 0.8 * this.averageTaskMs + 0.2 * (performance.now() - slot.startedAt);
        if (message.error !== undefined) task.reject(new Error(message.error));
        else task.resolve(message.result!);
        this.dispatch();
      });
      worker.on('error', (error) => {
        slot.busy?.reject(error);
        slot.busy = undefined;
      });
      // A worker that ends (terminated at shutdown, or crashed) leaves no task waiting for it.
      worker.on('exit', () => {
        slot.exited = true;
        slot.busy?.reject(new HashingStopped());
        slot.busy = undefined;
      });
      this.workers.push(slot);
    }
  }

  /** `signal`: the request's; aborting it drops the task if it is still waiting. */
  hash(password: string, cost: number, signal?: AbortSignal): Promise<string> {
    return this.run('hash', password, cost, signal) as Promise<string>;
  }

  compare(password: string, hash: string, signal?: AbortSignal): Promise<boolean> {
    return this.run('compare', password, hash, signal) as Promise<boolean>;
  }

  /**
   * Nest calls this after the HTTP server has finished its in-flight requests (and their
   * hashing): the workers stop, and anything still asked of the pool is refused, never left waiting.
   * Each thread is asked to end and ends by itself: terminating one while it still loads bcrypt's
   * native module (a short CLI command ends that soon after the pool starts) aborted the process
   * with `terminate called after throwing an instance of 'Napi::Error'`.
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const task of this.queue.splice(0)) {
      task.release();
      task.reject(new HashingStopped());
    }
    await Promise.all(this.workers.map((slot) => stopThread(slot)));
  }

  private run(
    operation: Task['operation'],
    password: string,
    saltOrHash: string | number,
    signal?: AbortSignal,
  ): Promise<string | boolean> {
    if (this.stopped) return Promise.reject(new HashingStopped());
    if (signal?.aborted) return Promise.reject(new PasswordWorkAbandoned());
    if (this.queue.length >= this.maxQueued) return Promise.reject(new PasswordHashingBusy(this.retryAfterSeconds()));
    if (this.workers.length === 0) this.start();
    return new Promise((resolve, reject) => {
      const task: Task = { id: this.nextId++, operation, password, saltOrHash, resolve, reject, release: () => undefined };
      if (signal !== undefined) {
        const drop = () => {
          const index = this.queue.indexOf(task);
          if (index === -1) return;
          this.queue.splice(index, 1);
          reject(new PasswordWorkAbandoned());
        };
        signal.addEventListener('abort', drop, { once: true });
        task.release = () => signal.removeEventListener('abort', drop);
      }
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** When a thread is likely to be free for a new task: the queue ahead of it, shared by the threads. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.queue.length * this.averageTaskMs) / this.threads / 1000));
  }

  private dispatch(): void {
    for (const slot of this.workers) {
      if (this.queue.length === 0) return;
      if (slot.busy !== undefined) continue;
      const task = this.queue.shift()!;
      task.release();
      slot.busy = task;
      slot.startedAt = performance.now();
      slot.worker.postMessage({ id: task.id, operation: task.operation, password: task.password, saltOrHash: task.saltOrHash });
    }
  }
}

/** Asks a worker thread to end, and terminates it if it has not within STOP_TIMEOUT_MS. */
function stopThread(slot: Slot): Promise<void> {
  if (slot.exited) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      void slot.worker.terminate().then(() => resolve());
    }, STOP_TIMEOUT_MS);
    slot.worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    slot.worker.postMessage('stop');
  });
}
