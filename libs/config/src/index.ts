export * from './gatehouse-config.js';
export * from './load-config.js';
export { MAX_ACCESS_TOKEN_EXPIRATION, MIN_SECRET_BYTES } from './config.schema.js';
export * from './config.module.js';
export * from './describe-config.js';
export { availableCpus, defaultBcryptWorkers } from './available-cpus.js';
export { ENV_FILE_NAME, prepareDevelopmentMode } from './env-file.js';
export { OTHER_VARIABLES } from './unknown-variables.js';
