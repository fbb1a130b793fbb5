import { DomainError } from '@app/errors';

/**
 * The workspace rules' refusals, each with its stable message. The app's error filter turns
 * their kind into the HTTP status.
 */

/**
 * Not a member, a role too low for the action, or a workspace that does not exist: one answer
 * for all three, so workspace ids cannot be probed.
 */
export class WorkspaceAccessDenied extends DomainError {
  constructor() {
    super('forbidden', 'Not a member of this workspace or insufficient role');
  }
}

export class OwnRoleChangeRefused extends DomainError {
  constructor() {
    super('forbidden', 'You cannot change your own role');
  }
}

/** The change would leave the workspace without an owner. */
export class LastOwnerRequired extends DomainError {
  constructor() {
    super('conflict', 'A workspace must keep at least one owner');
  }
}

export class SlugTaken extends DomainError {
  constructor() {
    super('conflict', 'Slug already taken');
  }
}

export class AlreadyMember extends DomainError {
  constructor() {
    super('conflict', 'User is already a member');
  }
}

/** The user named is not a member of this workspace. */
export class MemberNotFound extends DomainError {
  constructor() {
    super('not_found', 'Member not found');
  }
}

/** A disabled user is never made an owner (and does not count as one for the last-owner rule). */
export class DisabledOwnerRefused extends DomainError {
  constructor() {
    super('conflict', 'A disabled user cannot be made owner');
  }
}

/**
 * No pending invitation with this id for the caller: none at all, another person's, or one that
 * was accepted, declined, revoked or has expired. One answer for all, so ids reveal nothing.
 */
export class InvitationNotFound extends DomainError {
  constructor() {
    super('not_found', 'Invitation not found');
  }
}

/** The email already has an invitation to this workspace that is still open. */
export class InvitationPending extends DomainError {
  constructor() {
    super('conflict', 'This email already has a pending invitation to this workspace');
  }
}

export class DisabledUserRefused extends DomainError {
  constructor() {
    super('forbidden', 'A disabled user cannot accept an invitation');
  }
}
