export * from './invitations.service.js';
export * from './roles.js';
export * from './slugify.js';
export * from './workspaces.module.js';
export * from './workspace-errors.js';
export * from './workspaces.service.js';
export type { WorkspaceChanges } from './workspaces.repository.js';
