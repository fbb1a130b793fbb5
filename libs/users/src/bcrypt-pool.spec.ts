import type { DomainError } from '@app/errors';
import { BcryptPool, HashingStopped, PasswordHashingBusy, PasswordWorkAbandoned } from './bcrypt-pool.js';

describe('BcryptPool', () => {
  const pool = new BcryptPool({ threads: 1, maxQueued: 2 });
  let hash: string;
  beforeAll(async () => {
    hash = await pool.hash('a password', 4);
  });
  afterAll(() => pool.onApplicationShutdown());

  it('refuses work past its queue at once, with 503 and Retry-After, and finishes the work it took', async () => {
    const running = pool.hash('a password', 10);
    const queued = [pool.compare('a password', hash), pool.compare('another password', hash)];
    const refusal = await pool.compare('a password', hash).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(PasswordHashingBusy);
    expect((refusal as DomainError).kind).toBe('unavailable');
    expect((refusal as DomainError).headers['Retry-After']).toMatch(/^[1-9]\d*$/);
    expect(await Promise.all(queued)).toEqual([true, false]);
    expect(await running).toMatch(/^\$2b\$10\$/);
  });

  it('drops waiting work whose request was closed, without waiting for a thread', async () => {
    let runningDone = false;
    const running = pool.hash('a password', 10).then(() => {
      runningDone = true;
    });
    const closed = new AbortController();
    const dropped = pool.compare('a password', hash, closed.signal);
    closed.abort();
    await expect(dropped).rejects.toBeInstanceOf(PasswordWorkAbandoned);
    expect(runningDone).toBe(false);
    await running;
    // The dropped task left the queue: the next one is served.
    expect(await pool.compare('a password', hash)).toBe(true);
  });

  it('refuses work for a request already closed', async () => {
    await expect(pool.compare('a password', hash, AbortSignal.abort())).rejects.toBeInstanceOf(PasswordWorkAbandoned);
  });

  it('settles every task when it stops: none is left waiting, those it could not hash are refused with 503', async () => {
    const stopping = new BcryptPool({ threads: 1 });
    const tasks = Array.from({ length: 4 }, () =>
      stopping.hash('a long enough password', 10).then(
        (hashed) => hashed,
        (error: unknown) => error,
      ),
    );
    await stopping.onApplicationShutdown();
    const outcomes = await Promise.all(tasks);
    const refused = outcomes.filter((outcome) => outcome instanceof HashingStopped);
    expect(refused.length).toBeGreaterThan(0);
    // Every other one was hashed.
    expect(outcomes.every((outcome) => outcome instanceof HashingStopped || /^\$2b\$10\$/.test(String(outcome)))).toBe(true);
    expect(refused[0]).toMatchObject({ kind: 'unavailable', headers: { 'Retry-After': '1' } });
  });

  it('stops right after its first hash, while its other threads still load bcrypt, without aborting the process', async () => {
    // A CLI command (gatehouse user create) hashes once and stops. Terminating a thread that was
    // still loading bcrypt's native module aborted the whole process ('Napi::Error').
    for (let round = 0; round < 8; round++) {
      const brief = new BcryptPool({ threads: 4 });
      expect(await brief.hash('a long enough password', 4)).toMatch(/^\$2b\$04\$/);
      await brief.onApplicationShutdown();
    }
  });

  it('refuses work once stopped, instead of queueing it for threads that are gone', async () => {
    const stopped = new BcryptPool({ threads: 1 });
    expect(await stopped.compare('a password', hash)).toBe(true);
    await stopped.onApplicationShutdown();
    await expect(stopped.compare('a password', hash)).rejects.toBeInstanceOf(HashingStopped);
  });
});
