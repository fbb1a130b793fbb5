import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/** What a named query needs of node-postgres' pool. */
interface QueryablePool {
  query<Row>(query: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/**
 * A named prepared statement on TypeORM's own pool (node-postgres): each pooled connection
 * parses and plans it once, not on every call. For the few statements on a hot path (refresh
 * rotation, loading a user), which TypeORM's query API cannot express this way.
 */
export class PreparedStatement<Row> {
  constructor(
    private readonly name: string,
    private readonly text: string,
  ) {}

  async run(dataSource: DataSource, values: unknown[]): Promise<Row[]> {
    const pool = (dataSource.driver as PostgresDriver).master as QueryablePool;
    const { rows } = await pool.query<Row>({ name: this.name, text: this.text, values });
    return rows;
  }
}
