export * from './database-errors.js';
export * from './data-source.js';
export * from './database.module.js';
export * from './embedded-postgres.js';
export * from './database-notifications.js';
export * from './transactions.js';
export * from './prepared-statement.js';
