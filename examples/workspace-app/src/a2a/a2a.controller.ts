import { Body, Controller, Get, Header, Headers, HttpCode, Post } from '@nestjs/common';
import { AgentCard, A2A_VERSION_HEADER, Extensions, HTTP_EXTENSION_HEADER } from '@a2a-js/sdk';
import {
  DefaultRequestHandler,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  defaultServerCallContextBuilder,
  validateVersion,
} from '@a2a-js/sdk/server';
import { Audiences, CurrentPrincipal, type GatehousePrincipal, Public } from '@gatehouse/nest';
import { ExampleContext } from '../example-context.js';
import { NotesService } from '../notes/notes.service.js';
import { A2A_PATH, buildAgentCard } from './agent-card.js';
import { GatehouseUser, NotesAgentExecutor } from './notes-agent.executor.js';

type JsonRpcAnswer = { jsonrpc: string; id: string | number | null; result?: unknown; error?: unknown };

/**
 * The A2A agent (JSON-RPC binding, A2A v1.0) on the SDK's request handler and JSON-RPC transport;
 * only `a2a` tokens reach it. The SDK's ready-made HTTP adapter is for Express; this app runs on
 * Fastify, so this controller is that adapter's JSON-RPC path: context, version check, dispatch.
 */
@Controller()
export class A2aController {
  private readonly card: AgentCard;
  private readonly transport: JsonRpcTransportHandler;

  constructor(context: ExampleContext, notes: NotesService) {
    this.card = buildAgentCard(context.settings.publicUrl, context.gatehouse);
    const handler = new DefaultRequestHandler(this.card, new InMemoryTaskStore(), new NotesAgentExecutor(notes));
    this.transport = new JsonRpcTransportHandler(handler);
  }

  /** The agent card, in A2A v1.0's JSON form (ProtoJSON). */
  @Get('.well-known/agent-card.json')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  agentCard(): unknown {
    return AgentCard.toJSON(this.card);
  }

  @Post(A2A_PATH.slice(1))
  @Audiences('a2a')
  @HttpCode(200)
  async message(
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: GatehousePrincipal,
  ): Promise<JsonRpcAnswer> {
    const context = defaultServerCallContextBuilder({
      extensions: Extensions.parseServiceParameter(headers[HTTP_EXTENSION_HEADER.toLowerCase()]),
      user: new GatehouseUser(principal),
      headers,
      requestedVersion: headers[A2A_VERSION_HEADER.toLowerCase()],
    });
    try {
      validateVersion(context.requestedVersion, this.card, 'JSONRPC');
    } catch (error) {
      return { jsonrpc: '2.0', id: idOf(body), error: JsonRpcTransportHandler.mapToJSONRPCError(error) };
    }
    const answer = await this.transport.handle(body as Record<string, unknown>, context);
    if (Symbol.asyncIterator in answer) {
      // Only streaming methods answer with a stream, and the card declares no streaming: the SDK refuses them first.
      await answer.return(undefined);
      throw new Error('A2A streaming answer from an agent without streaming');
    }
    return answer;
  }
}

function idOf(body: unknown): string | number | null {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
