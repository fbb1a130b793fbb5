import { Controller, Get, Header } from '@nestjs/common';
import type { OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { Public } from '@gatehouse/nest';
import { ExampleContext } from '../example-context.js';

/**
 * RFC 9728 protected-resource metadata of the MCP server: an MCP client that gets a 401 follows
 * `resource_metadata` here and learns which authorization server (Gatehouse) issues its tokens.
 */
@Controller('.well-known/oauth-protected-resource')
@Public()
export class ProtectedResourceMetadataController {
  constructor(private readonly context: ExampleContext) {}

  @Get('mcp')
  @Header('Cache-Control', 'public, max-age=300')
  mcp(): OAuthProtectedResourceMetadata {
    return {
      resource: this.context.mcpResource,
      authorization_servers: [this.context.gatehouse.authorizationServer],
      bearer_methods_supported: ['header'],
      resource_name: 'Gatehouse example notes (MCP)',
    };
  }
}
