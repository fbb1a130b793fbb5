import { type ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { DomainError } from '@app/errors';
import { JSON_BODIES_ONLY } from './json-body.js';

/**
 * The one validation pipe (SPEC section 3): unknown body fields are refused and each bad field
 * gets one message. Before the fields, a route that reads a body gets a JSON object: no body at
 * all (no Content-Type, so no parser ran) is 415, like any other body that is not JSON, rather
 * than a list of missing fields; `null`, an array or a bare value is 400.
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && this.toValidate(metadata)) {
      if (value === undefined) throw new DomainError('unsupported_media_type', JSON_BODIES_ONLY);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new DomainError('invalid', 'Request body must be a JSON object');
      }
    }
    return super.transform(value, metadata);
  }
}
