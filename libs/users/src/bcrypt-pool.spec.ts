import { availableParallelism } from 'node:os';
import { BcryptPool, HashingStopped } from './bcrypt-pool.js';

describe('BcryptPool', () => {
  it('settles every task when it stops: none is left waiting, those it could not hash are refused with 503', async () => {
    const pool = new BcryptPool();
    // More than the workers (one per core), so some wait in the queue when the pool stops.
    const tasks = Array.from({ length: 4 * availableParallelism() }, () =>
      pool.hash('a long enough password', 10).then(
        (hash) => hash,
        (error: unknown) => error,
      ),
    );
    await pool.onApplicationShutdown();
    const outcomes = await Promise.all(tasks);
    const refused = outcomes.filter((outcome) => outcome instanceof HashingStopped);
    expect(refused.length).toBeGreaterThan(0);
    // Every other one was hashed.
    expect(outcomes.every((outcome) => outcome instanceof HashingStopped || /^\$2b\$10\$/.test(String(outcome)))).toBe(true);
    expect(refused[0]).toMatchObject({ kind: 'unavailable', headers: { 'Retry-After': '1' } });
  });

  it('refuses hashing once stopped, instead of queueing it for workers that are gone', async () => {
    const pool = new BcryptPool();
    expect(await pool.compare('a long enough password', await pool.hash('a long enough password', 4))).toBe(true);
    await pool.onApplicationShutdown();
    await expect(pool.compare('a long enough password', '$2b$04$abcdefghijklmnopqrstuv')).rejects.toBeInstanceOf(HashingStopped);
  });
});
