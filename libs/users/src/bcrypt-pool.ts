import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '@app/errors';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Niceness of the hashing threads (the lowest priority): anything else gets the CPU first; bcrypt gets what is idle. */
export const BCRYPT_THREAD_NICENESS = 19;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { setPriority } = require('node:os');
const bcrypt = require(workerData.bcryptPath);
// On Linux the nice value belongs to the thread: this lowers only this worker's priority.
try { setPriority(0, workerData.niceness); } catch {}
parentPort.on('message', ({ id, operation, password, saltOrHash }) => {
  try {
    const result = operation === 'hash' ? bcrypt.hashSync(password, saltOrHash) : bcrypt.compareSync(password, saltOrHash);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/** 503 for hashing asked of a pool that has stopped (the process is shutting down). */
export class HashingStopped extends DomainError {
  constructor() {
    super('unavailable', 'The server is shutting down; retry in 1 second', { 'Retry-After': '1' });
  }
}

interface Task {
  id: number;
  operation: 'hash' | 'compare';
  password: string;
  saltOrHash: string | number;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

/**
 * bcrypt off the event loop, on one low-priority worker thread per core, started on first use. Under a login flood
 * the hashing uses the spare CPU, and requests that need none (a guarded route) keep their
 * latency. Every task is settled: hashed, failed, or refused when the pool stops.
 */
@Injectable()
export class BcryptPool implements OnApplicationShutdown {
  private readonly workers: { worker: Worker; busy: Task | undefined }[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private stopped = false;

  /** Workers start on the first hash or comparison: a process that never hashes (most CLI commands) starts none. */
  private start(): void {
    const bcryptPath = createRequire(import.meta.url).resolve('bcrypt');
    for (let i = 0; i < availableParallelism(); i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath, niceness: BCRYPT_THREAD_NICENESS } });
      worker.unref();
      const slot = { worker, busy: undefined as Task | undefined };
      worker.on('message', (message: { id: number; result?: string | boolean; error?: string }) => {
        const task = slot.busy!;
        slot.busy = undefined;
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
        slot.busy?.reject(new HashingStopped());
        slot.busy = undefined;
      });
      this.workers.push(slot);
    }
  }

  hash(password: string, cost: number): Promise<string> {
    return this.run('hash', password, cost) as Promise<string>;
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.run('compare', password, hash) as Promise<boolean>;
  }

  /**
   * Nest calls this after the HTTP server has finished its in-flight requests (and their
   * hashing): the workers stop, and anything still asked of the pool is refused, never left waiting.
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const task of this.queue.splice(0)) task.reject(new HashingStopped());
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }

  private run(operation: Task['operation'], password: string, saltOrHash: string | number): Promise<string | boolean> {
    if (this.stopped) return Promise.reject(new HashingStopped());
    if (this.workers.length === 0) this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, operation, password, saltOrHash, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.workers) {
      if (this.queue.length === 0) return;
      if (slot.busy !== undefined) continue;
      const task = this.queue.shift()!;
      slot.busy = task;
      slot.worker.postMessage({ id: task.id, operation: task.operation, password: task.password, saltOrHash: task.saltOrHash });
    }
  }
}
