import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { listenRetryingAnyPort } from './bootstrap.js';

@Module({})
class EmptyModule {}

const addressInUse = () => Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });

describe('listening on PORT=0', () => {
  let blocker: Server;
  let takenPort: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    takenPort = (blocker.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => blocker.close(resolve)));

  it('tries again when the port it got is in use, and then serves', async () => {
    const app = await NestFactory.create<NestFastifyApplication>(EmptyModule, new FastifyAdapter(), { logger: false });
    let attempts = 0;
    // The first attempt lands on a port in use, as a bind to port 0 racing an outgoing connection can.
    const racing = { listen: (port: number, host: string) => app.listen(++attempts === 1 ? takenPort : port, host) };
    try {
      await listenRetryingAnyPort(racing, 0, '127.0.0.1');
      expect(attempts).toBe(2);
      expect((await fetch(`${await app.getUrl()}/nothing-here`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('gives up after a few attempts', async () => {
    let attempts = 0;
    const alwaysTaken = { listen: () => (attempts++, Promise.reject(addressInUse())) };
    await expect(listenRetryingAnyPort(alwaysTaken, 0, '127.0.0.1', 3)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(attempts).toBe(3);
  });

  it('does not retry a port the operator chose, nor another error', async () => {
    let attempts = 0;
    const taken = { listen: () => (attempts++, Promise.reject(addressInUse())) };
    await expect(listenRetryingAnyPort(taken, takenPort, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const refused = { listen: () => (attempts++, Promise.reject(Object.assign(new Error('no'), { code: 'EADDRNOTAVAIL' }))) };
    await expect(listenRetryingAnyPort(refused, 0, '10.255.255.1')).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
    expect(attempts).toBe(2);
  });
});
