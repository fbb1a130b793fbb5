import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiConsumes, ApiExtraModels, ApiOperation, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { type OAuthErrorCode, OAuthErrorResponse } from '@app/errors';

/** Where an OAuth route says so in its Fastify route config: the body parsers and the error filter read it. */
export const OAUTH_ROUTE_CONFIG = 'gatehouseOAuth';

/** The body types an OAuth route reads (RFC 6749 section 3.2: forms; JSON as well, for convenience). */
export const OAUTH_BODY_TYPES = ['application/x-www-form-urlencoded', 'application/json'] as const;

/** The 415 of an OAuth route. */
export const OAUTH_BODIES_ONLY = `Content-Type must be ${OAUTH_BODY_TYPES.join(' or ')}`;

/** What the server answers any OAuth route about its body, before the route sees it. */
const BODY_ERRORS: Readonly<Record<number, readonly OAuthErrorExample[]>> = {
  413: [['invalid_request', 'Request body is too large']],
  415: [['invalid_request', OAUTH_BODIES_ONLY]],
};

/** Whether the request is to an OAuth route: form bodies, and errors in the RFC 6749 shape. */
export function isOAuthRoute(request: FastifyRequest): boolean {
  const config = request.routeOptions?.config as { [OAUTH_ROUTE_CONFIG]?: unknown } | undefined;
  return config?.[OAUTH_ROUTE_CONFIG] === true;
}

/** One documented OAuth error: its code and description, as answered. */
export type OAuthErrorExample = readonly [OAuthErrorCode, string];

export interface OAuthEndpointDocumentation {
  operationId: string;
  summary: string;
  description?: string;
  /** Per status, the errors the route answers. */
  errors: Readonly<Record<number, readonly OAuthErrorExample[]>>;
}

/**
 * An OAuth route (SPEC section 6): form or JSON bodies, errors as `{error, error_description}`
 * (RFC 6749 section 5.2), documented with their real codes and descriptions.
 */
export function OAuthEndpoint({ operationId, summary, description, errors }: OAuthEndpointDocumentation): MethodDecorator {
  return applyDecorators(
    RouteConfig({ [OAUTH_ROUTE_CONFIG]: true }),
    ApiOperation({ operationId, summary, description }),
    ApiConsumes(...OAUTH_BODY_TYPES),
    ApiExtraModels(OAuthErrorResponse),
    ...Object.entries({ ...errors, ...BODY_ERRORS }).map(([status, examples]) =>
      ApiResponse({
        status: Number(status),
        description: examples.map(([code, text]) => `\`${code}\`: ${text}`).join('\n\n'),
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(OAuthErrorResponse) },
            examples: Object.fromEntries(
              examples.map(([code, text]) => [`${code}: ${text}`, { summary: text, value: { error: code, error_description: text } }]),
            ),
          },
        },
      }),
    ),
  );
}
