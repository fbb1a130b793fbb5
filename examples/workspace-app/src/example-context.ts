import type { GatehouseMetadata } from './gatehouse-metadata.js';
import type { ExampleSettings } from './settings.js';

/** What the app learnt at start-up: its settings and Gatehouse's metadata. */
export class ExampleContext {
  constructor(
    readonly settings: ExampleSettings,
    readonly gatehouse: GatehouseMetadata,
  ) {}

  /** The MCP server's resource URI (RFC 8707): tokens for it carry it in `aud`. */
  get mcpResource(): string {
    return `${this.settings.publicUrl}/mcp`;
  }

  /** Where the MCP server's protected-resource metadata is (RFC 9728: the well-known prefix before the resource's path). */
  get mcpResourceMetadataUrl(): string {
    return `${this.settings.publicUrl}/.well-known/oauth-protected-resource/mcp`;
  }
}
