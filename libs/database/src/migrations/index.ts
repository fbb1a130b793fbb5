import { CreateUsers1763800000000 } from './1763800000000-create-users.js';
import { CreateSessions1763800001000 } from './1763800001000-create-sessions.js';
import { CreateWorkspaces1763800002000 } from './1763800002000-create-workspaces.js';
import { CreateWorkspaceInvitations1763800003000 } from './1763800003000-create-workspace-invitations.js';
import { SealSessionRefreshToken1763800010000 } from './1763800010000-seal-session-refresh-token.js';
import { CreateSigningKeys1763800020000 } from './1763800020000-create-signing-keys.js';

/** Every migration, oldest first. A new migration is added here and nowhere else. */
export const MIGRATIONS = [
  CreateUsers1763800000000,
  CreateSessions1763800001000,
  CreateWorkspaces1763800002000,
  CreateWorkspaceInvitations1763800003000,
  SealSessionRefreshToken1763800010000,
  CreateSigningKeys1763800020000,
];
