/** Workspace roles, highest first. */
export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** owner > admin > member. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { owner: 3, admin: 2, member: 1 };
