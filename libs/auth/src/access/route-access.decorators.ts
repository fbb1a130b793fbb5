import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponse } from '../http/dto/responses.dto.js';
import { type Audience, AUDIENCES } from '@app/config';

export const PUBLIC_ROUTE = 'gatehouse:public';
export const ROUTE_AUDIENCES = 'gatehouse:audiences';
/** The OpenAPI security scheme name of bearer access tokens. */
export const BEARER_SCHEME = 'bearer';

/** The route needs no token. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The route needs an access token carrying one of these audiences (and the deployment must
 * serve it). Sets the guard's metadata and the OpenAPI security annotation together, so the
 * document cannot drift from what the guard enforces.
 */
export const Audiences = (...audiences: Audience[]) =>
  applyDecorators(
    SetMetadata(ROUTE_AUDIENCES, audiences),
    ApiBearerAuth(BEARER_SCHEME),
    ApiExtension('x-audiences', audiences),
    ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing, malformed, invalid, expired or revoked access token' }),
    ApiForbiddenResponse({
      type: ErrorResponse,
      description: `Invalid audience (the token must carry one of ${audiences.join(', ')}), or not allowed`,
    }),
  );

/** Any audience the deployment serves (the `/auth` routes that need a token). */
export const AnyAudience = () => Audiences(...AUDIENCES);
