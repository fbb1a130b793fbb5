import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME } from '@app/auth';

/**
 * `GET /docs` (Swagger UI) and `GET /docs-json`, generated from the controllers and the same
 * `@Public()` / `@Audiences()` decorators the guard reads.
 */
export function setUpOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Gatehouse')
    .setDescription(
      'Authentication and workspace access for workspace apps. Guarded operations need an access token ' +
        '(`Authorization: Bearer <token>`) carrying one of the audiences in their `x-audiences` list.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
    // Shows each operation's `x-audiences` (the audiences its token must carry) in the UI.
    swaggerOptions: { showExtensions: true },
  });
}
