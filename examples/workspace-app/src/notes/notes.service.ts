import { Injectable } from '@nestjs/common';

/** Who asks, as far as the notes care: the token's subject, workspace and role (claims, nothing else). */
export interface WorkspaceCaller {
  subject: string;
  workspaceId?: string;
  workspaceRole?: 'owner' | 'admin' | 'member';
}

export interface Note {
  id: number;
  text: string;
  author: string;
  created_at: string;
}

/** A refusal the caller can act on; each surface answers it in its own protocol's way. */
export class NotesRefusal extends Error {}

export const NO_WORKSPACE =
  'This token carries no workspace: exchange it at Gatehouse with workspace_id (POST /oauth/token, token exchange)';
export const ROLE_TOO_LOW = 'Adding notes needs the admin or owner role in this workspace';

export const NOTE_MAX_LENGTH = 2000;

/**
 * The app's own data: notes per workspace, in memory. The rules read the token's claims only
 * (`workspace_id`, `workspace_role`): Gatehouse vouched for them when it issued the token.
 */
@Injectable()
export class NotesService {
  private readonly notesByWorkspace = new Map<string, Note[]>();
  private nextId = 1;

  list(caller: WorkspaceCaller): { workspaceId: string; notes: Note[] } {
    const workspaceId = this.workspaceOf(caller);
    return { workspaceId, notes: [...(this.notesByWorkspace.get(workspaceId) ?? [])] };
  }

  add(caller: WorkspaceCaller, text: string): { workspaceId: string; note: Note } {
    const workspaceId = this.workspaceOf(caller);
    if (caller.workspaceRole !== 'owner' && caller.workspaceRole !== 'admin') throw new NotesRefusal(ROLE_TOO_LOW);
    const note: Note = { id: this.nextId++, text, author: caller.subject, created_at: new Date().toISOString() };
    const notes = this.notesByWorkspace.get(workspaceId) ?? [];
    notes.push(note);
    this.notesByWorkspace.set(workspaceId, notes);
    return { workspaceId, note };
  }

  private workspaceOf(caller: WorkspaceCaller): string {
    if (caller.workspaceId === undefined) throw new NotesRefusal(NO_WORKSPACE);
    return caller.workspaceId;
  }
}
