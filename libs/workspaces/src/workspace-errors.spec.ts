import { DomainError } from '@app/errors';
import {
  AlreadyMember,
  DisabledOwnerRefused,
  DisabledUserRefused,
  InvitationNotFound,
  InvitationPending,
  LastOwnerRequired,
  MemberNotFound,
  OwnRoleChangeRefused,
  SlugTaken,
  WorkspaceAccessDenied,
} from './workspace-errors.js';

describe('workspace refusals', () => {
  const refusals = [
    [WorkspaceAccessDenied, 'forbidden', 'Not a member of this workspace or insufficient role'],
    [OwnRoleChangeRefused, 'forbidden', 'You cannot change your own role'],
    [LastOwnerRequired, 'conflict', 'A workspace must keep at least one owner'],
    [SlugTaken, 'conflict', 'Slug already taken'],
    [AlreadyMember, 'conflict', 'User is already a member'],
    [MemberNotFound, 'not_found', 'Member not found'],
    [DisabledOwnerRefused, 'conflict', 'A disabled user cannot be made owner'],
    [InvitationNotFound, 'not_found', 'Invitation not found'],
    [InvitationPending, 'conflict', 'This email already has a pending invitation to this workspace'],
    [DisabledUserRefused, 'forbidden', 'A disabled user cannot accept an invitation'],
  ] as const;

  it.each(refusals.map(([type, kind, message]) => ({ name: type.name, type, kind, message })))(
    '$name refuses as $kind, saying "$message"',
    ({ type, kind, message }) => {
      const error = new type();
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind, message, name: type.name, headers: {} });
    },
  );
});
