export * from './api-endpoint.decorator.js';
export * from './pagination.js';
export * from './uuid-param.decorator.js';
