import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { CONNECTION_TIMEOUT_MS } from './data-source.js';

export interface ChannelHandlers {
  onMessage(payload: string): void;
  /** Called after the listener reconnected: notifications sent meanwhile were lost. */
  onReconnect(): void;
}

/** Reconnection waits grow from this, doubling, up to the cap, with random jitter. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;

/**
 * The one LISTEN connection of this process (LISTEN needs a connection of its own, outside
 * the pool). Connects on the first `listen`, so processes that never listen (the CLI) open
 * nothing. After a failure it ends the old client first, then runs a single reconnection loop
 * with capped, jittered backoff, and re-subscribes every channel.
 */
@Injectable()
export class DatabaseNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger('DatabaseNotifications');
  private readonly channels = new Map<string, ChannelHandlers>();
  private client: pg.Client | undefined;
  private reconnecting = false;
  private stopped = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async listen(channel: string, handlers: ChannelHandlers): Promise<void> {
    this.channels.set(channel, handlers);
    if (this.client !== undefined) await this.client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    // While reconnecting, the loop's next connection listens on every channel, this one included.
    else if (!this.reconnecting) await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { url } = this.dataSource.options as { url: string };
    const client = new pg.Client({
      connectionString: url,
      application_name: 'gatehouse-notifications',
      // A server that accepts the connection but never answers (frozen) must not stall the loop.
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
      // A peer gone without a word (a cut network) is noticed by TCP keepalives.
      keepAlive: true,
    });
    client.on('notification', (message) => {
      if (message.payload !== undefined) this.channels.get(message.channel)?.onMessage(message.payload);
    });
    // A broken connection emits 'error' and/or 'end'; both lead to the one reconnection loop.
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    try {
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      client.removeAllListeners();
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      // Shut down while this connection was being made: nothing may keep it open.
      client.removeAllListeners();
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.stopped || client !== this.client || this.reconnecting) return;
    this.logger.warn(`Notification listener lost (${reason}); reconnecting`);
    this.client = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    this.reconnecting = true;
    for (let attempt = 0; !this.stopped; attempt++) {
      const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)).unref());
      if (this.stopped) break;
      try {
        await this.connect();
        if (this.stopped) break;
        this.logger.log('Notification listener reconnected');
        this.reconnecting = false;
        for (const handlers of this.channels.values()) handlers.onReconnect();
        return;
      } catch (error) {
        this.logger.warn(`Notification listener could not reconnect: ${(error as Error).message}`);
      }
    }
    this.reconnecting = false;
  }
}
