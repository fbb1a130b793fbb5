import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { NOTE_MAX_LENGTH, NotesRefusal, type NotesService, type WorkspaceCaller } from '../notes/notes.service.js';

/** The verified token's caller, as the MCP controller hands it to the tools (through the SDK's AuthInfo). */
export interface McpCaller extends WorkspaceCaller {
  audiences: string[];
}

/** The AuthInfo the MCP SDK passes on to every tool as `extra.authInfo`. */
export function mcpAuthInfo(token: string, caller: McpCaller, clientId: string, expiresAt: number | undefined): AuthInfo {
  return { token, clientId, scopes: [], expiresAt, extra: { caller } };
}

function callerOf(authInfo: AuthInfo | undefined): McpCaller {
  const caller = authInfo?.extra?.caller as McpCaller | undefined;
  // The route is guarded: a request without a verified token never reaches a tool.
  if (caller === undefined) throw new Error('MCP tool called without a verified caller');
  return caller;
}

function refused(refusal: NotesRefusal): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: refusal.message }] };
}

function answer<T extends Record<string, unknown>>(structured: T): CallToolResult {
  return { structuredContent: structured, content: [{ type: 'text', text: JSON.stringify(structured) }] };
}

const noteShape = z.object({ id: z.number(), text: z.string(), author: z.string(), created_at: z.string() });

/**
 * The app's MCP server: one per request (the Streamable HTTP transport runs stateless here, so
 * any instance of the app can answer any request), its tools working on the token's workspace.
 */
export function createNotesMcpServer(notes: NotesService): McpServer {
  const server = new McpServer({ name: 'gatehouse-example-notes', version: '0.1.0' });

  server.registerTool(
    'whoami',
    {
      description: 'Who the token speaks for: its subject, audiences, and the workspace and role it was exchanged for',
      outputSchema: {
        subject: z.string(),
        audiences: z.array(z.string()),
        workspace_id: z.string().nullable(),
        workspace_role: z.enum(['owner', 'admin', 'member']).nullable(),
      },
      annotations: { readOnlyHint: true },
    },
    ({ authInfo }) => {
      const caller = callerOf(authInfo);
      return answer({
        subject: caller.subject,
        audiences: caller.audiences,
        workspace_id: caller.workspaceId ?? null,
        workspace_role: caller.workspaceRole ?? null,
      });
    },
  );

  server.registerTool(
    'list_notes',
    {
      description: "The notes of the token's workspace (any member)",
      outputSchema: { workspace_id: z.string(), notes: z.array(noteShape) },
      annotations: { readOnlyHint: true },
    },
    ({ authInfo }) => {
      try {
        const { workspaceId, notes: list } = notes.list(callerOf(authInfo));
        return answer({ workspace_id: workspaceId, notes: list });
      } catch (error) {
        if (error instanceof NotesRefusal) return refused(error);
        throw error;
      }
    },
  );

  server.registerTool(
    'add_note',
    {
      description: "Adds a note to the token's workspace (admin or owner)",
      inputSchema: { text: z.string().trim().min(1).max(NOTE_MAX_LENGTH).describe('The note') },
      outputSchema: { workspace_id: z.string(), note: noteShape },
    },
    ({ text }, { authInfo }) => {
      try {
        const { workspaceId, note } = notes.add(callerOf(authInfo), text);
        return answer({ workspace_id: workspaceId, note });
      } catch (error) {
        if (error instanceof NotesRefusal) return refused(error);
        throw error;
      }
    },
  );

  return server;
}
