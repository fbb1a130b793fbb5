export * from './api-endpoint.decorator.js';
export * from './pagination.js';
export * from './uuid-param.decorator.js';
export * from './oauth-endpoint.decorator.js';
