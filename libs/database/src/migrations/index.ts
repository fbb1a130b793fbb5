import { CreateUsers1763800000000 } from './1763800000000-create-users.js';

/** Every migration, oldest first. A new migration is added here and nowhere else. */
export const MIGRATIONS = [CreateUsers1763800000000];
