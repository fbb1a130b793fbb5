export * from './domain-error.js';
export * from './error-response.js';
export * from './oauth-error.js';
