import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME } from '@app/auth';
import type { GatehouseConfig } from '@app/config';
import { addErrorExamples, type ErrorExamples } from '@app/http-api';
import { JSON_BODIES_ONLY, SHAPE_MESSAGES } from './json-body.js';
import { NOT_AN_OBJECT } from './request-validation.pipe.js';

/** What the server answers any operation that reads a JSON body, before the route sees it. */
const JSON_BODY_ERRORS: ErrorExamples = {
  400: [NOT_AN_OBJECT, SHAPE_MESSAGES.too_deep, SHAPE_MESSAGES.too_many_values],
  // Fastify's words, passed on by the error filter.
  413: 'Request body is too large',
  415: JSON_BODIES_ONLY,
};

/**
 * `GET /docs` (Swagger UI) and `GET /docs-json`, generated from the controllers and the same
 * `@Public()` / `@Audiences()` decorators the guard reads.
 */
export function setUpOpenApi(app: INestApplication, config: GatehouseConfig): void {
  const builder = new DocumentBuilder()
    .setTitle('Gatehouse')
    .setDescription(
      'Authentication and workspace access for workspace apps. Guarded operations need an access token ' +
        '(`Authorization: Bearer <token>`) carrying one of the audiences in their `x-audiences` list. ' +
        'Every error answers `{statusCode, error, message}`, but those of the OAuth routes (`/oauth`), which answer ' +
        '`{error, error_description}` (RFC 6749); each operation lists its errors with their messages.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .build();
  SwaggerModule.setup('docs', app, () => completeDocument(SwaggerModule.createDocument(app, builder), config), {
    jsonDocumentUrl: 'docs-json',
    // Shows each operation's `x-audiences` (the audiences its token must carry) in the UI.
    swaggerOptions: { showExtensions: true },
  });
}

/**
 * What the decorators cannot say: the errors of a JSON body on the operations that read one,
 * and `/metrics` only when it is served on this port (METRICS_PUBLIC=true).
 */
export function completeDocument(document: OpenAPIObject, config: GatehouseConfig): OpenAPIObject {
  if (!config.http.metricsPublic) delete document.paths['/metrics'];
  for (const path of Object.values(document.paths)) {
    for (const operation of [path.post, path.patch, path.put]) {
      if (operation?.requestBody === undefined) continue;
      // The OAuth routes document their own body errors, in their own shape (RFC 6749 section 5.2).
      if ('content' in operation.requestBody && operation.requestBody.content['application/x-www-form-urlencoded'] !== undefined) continue;
      addErrorExamples(operation, JSON_BODY_ERRORS);
      // Statuses in order, as the decorators' own come.
      operation.responses = Object.fromEntries(Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  return document;
}
