import { createServer } from 'node:net';

/**
 * A port nobody listens on right now. Another process may take it before it is used, so a test
 * that listens on it goes through `onFreePort`; where a test can, it listens on port 0 instead.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** `start(port)` on a free port, with another port if that one was taken meanwhile (EADDRINUSE). */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<{ port: number; started: T }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { port, started: await start(port) };
    } catch (error) {
      if (attempt >= attempts || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}
