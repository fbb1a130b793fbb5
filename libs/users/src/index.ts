export { PasswordHashingBusy, PasswordWorkAbandoned } from './bcrypt-pool.js';
export * from './email.js';
export * from './password-hasher.js';
export * from './user.entity.js';
export * from './users.module.js';
export * from './users.repository.js';
export * from './users.service.js';
