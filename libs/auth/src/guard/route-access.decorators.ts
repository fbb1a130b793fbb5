import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
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
    ApiUnauthorizedResponse({ description: 'Missing, malformed, invalid, expired or revoked access token' }),
    ApiForbiddenResponse({ description: `Invalid audience: the token must carry one of ${audiences.join(', ')}` }),
  );

/** Any audience the deployment serves (the `/auth` routes that need a token). */
export const AnyAudience = () => Audiences(...AUDIENCES);
