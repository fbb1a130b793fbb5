import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DatabaseNotifications } from '@app/database';
import { TokenProvider } from '../token-provider.js';
import { SigningKeyRotation } from './signing-key-rotation.js';
import { SigningKeys } from './signing-keys.js';
import { SIGNING_KEYS_CHANNEL, SigningKeysRepository } from './signing-keys.repository.js';

/** How often each instance runs the keys' upkeep (expiry, automatic rotation) and reloads them, in case a notification was missed. */
const MAINTENANCE_INTERVAL_MS = 60_000;

/**
 * Keeps this instance's `SigningKeys` in step with the `signing_keys` table: at start-up it makes
 * sure a key signs, then reloads on every change any instance announces (LISTEN/NOTIFY, within a
 * second), after a reconnection of the listener, for a token whose `kid` it does not know, and
 * once a minute with the keys' upkeep.
 */
@Injectable()
export class SigningKeysSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SigningKeysSync');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keys: SigningKeys,
    private readonly repository: SigningKeysRepository,
    private readonly rotation: SigningKeyRotation,
    private readonly tokens: TokenProvider,
    private readonly notifications: DatabaseNotifications,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // With the public default secret outside dev nothing is issued or accepted: no key is made
    // (its private half would be sealed under a public secret).
    if (!this.tokens.enabled) return;
    // Listening first: a change made while the keys load is announced, not missed.
    await this.notifications.listen(SIGNING_KEYS_CHANNEL, {
      onMessage: () => void this.reloadOrWarn(),
      onReconnect: () => void this.reloadOrWarn(),
    });
    await this.rotation.ensureSigningKey(new Date(), true);
    await this.reload();
    this.keys.reloadWith(() => this.reload());
    this.timer = setInterval(() => void this.maintain(), MAINTENANCE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async reload(): Promise<void> {
    this.keys.use(await this.repository.list());
  }

  private async reloadOrWarn(): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      this.logger.warn(`Could not reload the signing keys (using those loaded): ${(error as Error).message}`);
    }
  }

  private async maintain(): Promise<void> {
    try {
      await this.rotation.maintain();
      // A successor when another instance's algorithm retired the signing key (a rolling change of
      // JWT_SIGNING_ALGORITHM), or the retirement of keys made by instances of another algorithm.
      await this.rotation.ensureSigningKey();
    } catch (error) {
      this.logger.warn(`Could not maintain the signing keys: ${(error as Error).message}`);
    }
    await this.reloadOrWarn();
  }
}
