import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { type Audience, AUDIENCES } from '@app/config';
import { ApiErrors } from '@app/http-api';
import { BEARER_CHALLENGES, invalidAudienceMessage } from './bearer-challenges.js';

export const PUBLIC_ROUTE = 'gatehouse:public';
export const ROUTE_AUDIENCES = 'gatehouse:audiences';
/** The OpenAPI security scheme name of bearer access tokens. */
export const BEARER_SCHEME = 'bearer';

/** The route needs no token. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export const ROUTE_ACCEPTS_CLIENTS = 'gatehouse:clients';

/** The token refusals of every guarded route, by status, worded as they are answered (the client refusal is per route). */
const TOKEN_REFUSALS: Record<number, string[]> = {};
for (const [refusal, { status, message }] of Object.entries(BEARER_CHALLENGES)) {
  if (refusal !== 'client') (TOKEN_REFUSALS[status] ??= []).push(message);
}

/**
 * The route needs an access token carrying one of these audiences (and the deployment must
 * serve it), acting for a user: a client's own token is refused. Sets the guard's metadata, the
 * OpenAPI security annotation and the refusals the guard answers together, so the document
 * cannot drift from what the guard enforces.
 */
export const Audiences = (...audiences: Audience[]): MethodDecorator & ClassDecorator => declareAccess(audiences, false);

const declareAccess =
  (audiences: Audience[], clients: boolean): MethodDecorator & ClassDecorator =>
  (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const declared = applyDecorators(
      SetMetadata(ROUTE_AUDIENCES, audiences),
      SetMetadata(ROUTE_ACCEPTS_CLIENTS, clients),
      ApiBearerAuth(BEARER_SCHEME),
      ApiExtension('x-audiences', audiences),
    );
    const forbidden = invalidAudienceMessage(audiences);
    const refusals = ApiErrors({ ...TOKEN_REFUSALS, 403: clients ? forbidden : [forbidden, BEARER_CHALLENGES.client.message] });
    if (descriptor !== undefined) {
      declared(target, key, descriptor);
      refusals(target, key!, descriptor);
      return;
    }
    declared(target);
    // The OpenAPI document lets a method's response of a status replace its class's: the
    // refusals go on each route of the class that does not declare audiences of its own (the
    // methods are decorated before their class).
    const prototype = (target as Type).prototype as object;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)!;
      const handler: unknown = method.value;
      if (typeof handler !== 'function' || !Reflect.hasMetadata(PATH_METADATA, handler)) continue;
      if (Reflect.hasMetadata(ROUTE_AUDIENCES, handler)) continue;
      refusals(prototype, name, method);
    }
  };

/**
 * Any audience the deployment serves (the `/auth` routes that need a token). With `clients`, a
 * client's own token (`sub` = `client:<id>`, client credentials) is accepted too, and the
 * handler's principal is `AnyPrincipal`.
 */
export const AnyAudience = ({ clients = false }: { clients?: boolean } = {}) => declareAccess([...AUDIENCES], clients);
