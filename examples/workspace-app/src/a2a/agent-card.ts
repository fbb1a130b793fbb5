import { A2A_PROTOCOL_VERSION, type AgentCard } from '@a2a-js/sdk';
import type { GatehouseMetadata } from '../gatehouse-metadata.js';

export const A2A_PATH = '/a2a';

/**
 * The agent card (A2A v1.0): one JSON-RPC interface at `/a2a`, and Gatehouse access tokens with
 * the `a2a` audience as its security, declared twice so that every client finds its way: as
 * OAuth 2.0 pointing at Gatehouse's metadata (RFC 8414), where a client gets a token with client
 * credentials or by exchanging a user's token, and as a plain bearer JWT.
 */
export function buildAgentCard(publicUrl: string, gatehouse: GatehouseMetadata): AgentCard {
  const description =
    'A Gatehouse access token whose audience includes a2a: a client’s own (client_credentials) or a user’s, ' +
    'exchanged at Gatehouse’s token endpoint (RFC 8693) with audience=a2a and workspace_id for workspace notes';
  return {
    name: 'Gatehouse example notes agent',
    description: 'Answers with the notes of the workspace its Gatehouse token was exchanged for.',
    supportedInterfaces: [
      { url: `${publicUrl}${A2A_PATH}`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION },
    ],
    provider: { organization: 'Gatehouse example workspace app', url: publicUrl },
    version: '0.1.0',
    capabilities: { streaming: false, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {
      gatehouse: {
        scheme: {
          $case: 'oauth2SecurityScheme',
          value: {
            description,
            oauth2MetadataUrl: `${gatehouse.authorizationServer}/.well-known/oauth-authorization-server`,
            flows: { flow: { $case: 'clientCredentials', value: { tokenUrl: gatehouse.tokenEndpoint, refreshUrl: '', scopes: {} } } },
          },
        },
      },
      bearer: { scheme: { $case: 'httpAuthSecurityScheme', value: { description, scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    securityRequirements: [{ schemes: { gatehouse: { list: [] } } }, { schemes: { bearer: { list: [] } } }],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: 'workspace-notes',
        name: 'Workspace notes',
        description: 'Lists the notes of the workspace the token was exchanged for.',
        tags: ['notes', 'workspace'],
        examples: ['What are our notes?'],
        inputModes: ['text/plain'],
        outputModes: ['text/plain'],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}
