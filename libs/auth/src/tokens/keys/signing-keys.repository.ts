import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JsonWebKey } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { AsymmetricAlgorithm } from './signing-key-material.js';

/** The PostgreSQL channel a change of the signing keys is announced on (LISTEN/NOTIFY). */
export const SIGNING_KEYS_CHANNEL = 'gatehouse_signing_keys';

/** A row of `signing_keys`. */
export interface StoredSigningKey {
  kid: string;
  algorithm: AsymmetricAlgorithm;
  publicJwk: JsonWebKey;
  sealedPrivateKey: Buffer;
  createdAt: Date;
  /** When it starts signing. */
  activatesAt: Date;
  /** When it stopped (or will stop) signing; published until the last token it signed has expired. */
  retiredAt: Date | null;
}

interface Row {
  kid: string;
  algorithm: AsymmetricAlgorithm;
  public_jwk: JsonWebKey;
  sealed_private_key: Buffer;
  created_at: Date;
  activates_at: Date;
  retired_at: Date | null;
}

const COLUMNS = 'kid, algorithm, public_jwk, sealed_private_key, created_at, activates_at, retired_at';

function fromRow(row: Row): StoredSigningKey {
  return {
    kid: row.kid,
    algorithm: row.algorithm,
    publicJwk: row.public_jwk,
    sealedPrivateKey: row.sealed_private_key,
    createdAt: row.created_at,
    activatesAt: row.activates_at,
    retiredAt: row.retired_at,
  };
}

/** What a change of the keys may do, inside its transaction. */
export interface SigningKeysChange {
  list(): Promise<StoredSigningKey[]>;
  insert(key: Omit<StoredSigningKey, 'createdAt'>): Promise<void>;
  /** Sets the retirement of these keys (a key never signs past it). */
  retire(kids: readonly string[], at: Date): Promise<void>;
  /** Deletes these keys (every token they signed has expired). */
  delete(kids: readonly string[]): Promise<void>;
}

/** The only place that touches the `signing_keys` table. */
@Injectable()
export class SigningKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(): Promise<StoredSigningKey[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM signing_keys ORDER BY activates_at, created_at`);
    return rows.map(fromRow);
  }

  /**
   * Runs a change of the keys in one transaction that holds the keys' advisory lock (so two
   * instances starting together make one key, not two), and announces it to every instance
   * (NOTIFY, delivered on commit) when `work` reports that it changed something.
   */
  change<T>(work: (change: SigningKeysChange) => Promise<{ changed: boolean; result: T }>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query("SELECT pg_advisory_xact_lock(hashtext('gatehouse_signing_keys'))");
      const { changed, result } = await work(changeWith(manager));
      if (changed) await manager.query('SELECT pg_notify($1, $2)', [SIGNING_KEYS_CHANNEL, 'changed']);
      return result;
    });
  }
}

function changeWith(manager: EntityManager): SigningKeysChange {
  return {
    async list() {
      const rows: Row[] = await manager.query(`SELECT ${COLUMNS} FROM signing_keys ORDER BY activates_at, created_at`);
      return rows.map(fromRow);
    },
    async insert(key) {
      await manager.query(
        'INSERT INTO signing_keys (kid, algorithm, public_jwk, sealed_private_key, activates_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [key.kid, key.algorithm, JSON.stringify(key.publicJwk), key.sealedPrivateKey, key.activatesAt, key.retiredAt],
      );
    },
    async retire(kids, at) {
      if (kids.length > 0) await manager.query('UPDATE signing_keys SET retired_at = $2 WHERE kid = ANY($1)', [kids, at]);
    },
    async delete(kids) {
      if (kids.length > 0) await manager.query('DELETE FROM signing_keys WHERE kid = ANY($1)', [kids]);
    },
  };
}
