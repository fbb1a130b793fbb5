export * from './bootstrap.js';
export * from './form-body.js';
export * from './http-error.filter.js';
export * from './json-body.js';
export * from './logging.js';
export * from './request-validation.pipe.js';
