export * from './domain-error.js';
export * from './error-response.js';
