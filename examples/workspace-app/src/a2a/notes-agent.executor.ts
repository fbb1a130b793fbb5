import { randomUUID } from 'node:crypto';
import { type Message, Role } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext, type User } from '@a2a-js/sdk/server';
import { NotesRefusal, type NotesService, type WorkspaceCaller } from '../notes/notes.service.js';

/** The A2A SDK's user, made from the verified token's caller by the A2A controller. */
export class GatehouseUser implements User {
  constructor(readonly caller: WorkspaceCaller) {}

  get isAuthenticated(): boolean {
    return true;
  }

  get userName(): string {
    return this.caller.subject;
  }
}

/** Answers every message with the notes of the token's workspace (or why it cannot). */
export class NotesAgentExecutor implements AgentExecutor {
  constructor(private readonly notes: NotesService) {}

  execute(requestContext: RequestContext, eventBus: ExecutionEventBus): Promise<void> {
    const user = requestContext.context.user;
    // The route is guarded: only a verified a2a token gets here.
    if (!(user instanceof GatehouseUser)) throw new Error('A2A request without a verified caller');
    const message: Message = {
      messageId: randomUUID(),
      contextId: requestContext.contextId,
      taskId: '',
      role: Role.ROLE_AGENT,
      parts: [{ content: { $case: 'text', value: this.answer(user.caller) }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    };
    eventBus.publish(AgentEvent.message(message));
    return Promise.resolve();
  }

  cancelTask(): Promise<void> {
    // Every answer is immediate: there is never a task to cancel.
    return Promise.resolve();
  }

  private answer(caller: WorkspaceCaller): string {
    try {
      const { workspaceId, notes } = this.notes.list(caller);
      const lines = notes.map((note) => `- ${note.text}`);
      return [`Hello ${caller.subject}. Workspace ${workspaceId} has ${notes.length} note(s).`, ...lines].join('\n');
    } catch (error) {
      if (error instanceof NotesRefusal) return `Hello ${caller.subject}. ${error.message}.`;
      throw error;
    }
  }
}
