export * from './bootstrap.js';
export * from './http-error.filter.js';
export * from './logging.js';
