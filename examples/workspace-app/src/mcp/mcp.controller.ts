import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res, type Type } from '@nestjs/common';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Audiences, CurrentPrincipal, type GatehousePrincipal, Resource, ResourceMetadata } from '@gatehouse/nest';
import { NotesService } from '../notes/notes.service.js';
import { createNotesMcpServer, mcpAuthInfo } from './notes-mcp-server.js';

/** JSON-RPC's answer to a method the stateless server does not serve (as the SDK's examples answer). */
const METHOD_NOT_ALLOWED = { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null };

/**
 * The MCP endpoint (Streamable HTTP, stateless): `mcp` tokens minted for this server's resource
 * URI only. The resource is known at start-up (EXAMPLE_PUBLIC_URL), hence a controller class made
 * for it.
 */
export function createMcpController(resource: string, resourceMetadataUrl: string): Type {
  @Controller('mcp')
  @Audiences('mcp')
  @Resource(resource)
  @ResourceMetadata(resourceMetadataUrl)
  class McpController {
    constructor(private readonly notes: NotesService) {}

    @Post()
    async handle(
      @Req() request: FastifyRequest,
      @Res() reply: FastifyReply,
      @Body() body: unknown,
      @CurrentPrincipal() principal: GatehousePrincipal,
    ): Promise<void> {
      const server = createNotesMcpServer(this.notes);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      // The transport writes the answer on the raw Node.js response itself.
      reply.hijack();
      reply.raw.on('close', () => void server.close());
      await server.connect(transport);
      const auth = mcpAuthInfo(
        principal.token,
        principal,
        principal.clientId ?? principal.subject,
        Math.floor(principal.expiresAt.getTime() / 1000),
      );
      await transport.handleRequest(Object.assign(request.raw, { auth }), reply.raw, body);
    }

    @Get()
    @HttpCode(405)
    stream(@Res({ passthrough: true }) reply: FastifyReply) {
      void reply.header('Allow', 'POST');
      return METHOD_NOT_ALLOWED;
    }

    @Delete()
    @HttpCode(405)
    endSession(@Res({ passthrough: true }) reply: FastifyReply) {
      void reply.header('Allow', 'POST');
      return METHOD_NOT_ALLOWED;
    }
  }
  return McpController;
}
