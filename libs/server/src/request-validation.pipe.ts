import { type ArgumentMetadata, BadRequestException, Injectable, type PipeTransform, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { DomainError } from '@app/errors';
import { JSON_BODIES_ONLY } from './json-body.js';

/** The 400 of a body that is JSON but not an object. */
export const NOT_AN_OBJECT = 'Request body must be a JSON object';

/**
 * The one validation pipe (SPEC section 3): unknown body fields are refused and each bad field
 * gets one message. Before the fields, a route that reads a body gets a JSON object: no body at
 * all (no Content-Type, so no parser ran) is 415, like any other body that is not JSON, rather
 * than a list of missing fields; `null`, an array or a bare value is 400.
 */
@Injectable()
export class RequestValidationPipe implements PipeTransform {
  private readonly input = new InputValidationPipe();

  /** A custom parameter (`@CurrentPrincipal()`) is not input: it passes as it is, with no promise to wait for. */
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'custom' ? value : this.input.transform(value, metadata);
  }
}

/** Nest's ValidationPipe with Gatehouse's options and the JSON-object rule for bodies. */
class InputValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      stopAtFirstError: true,
      transform: true,
      exceptionFactory: (errors) => new BadRequestException(errors.flatMap((error) => fieldMessages(error, ''))),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && this.toValidate(metadata)) {
      if (value === undefined) throw new DomainError('unsupported_media_type', JSON_BODIES_ONLY);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new DomainError('invalid', NOT_AN_OBJECT);
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * One message per bad field. A field left out is `<field> is required`: optional fields skip
 * their checks when absent, so an absent field that failed one is a required field, and the
 * check that spoke first (a length, a format) would describe a value nobody sent.
 */
function fieldMessages(error: ValidationError, parentPath: string): string[] {
  const path = `${parentPath}${error.property}`;
  if (error.value === undefined && error.constraints !== undefined) return [`${path} is required`];
  const own = Object.values(error.constraints ?? {}).slice(0, 1);
  const nested = (error.children ?? []).flatMap((child) => fieldMessages(child, `${path}.`));
  return [...own.map((message) => (parentPath === '' ? message : `${parentPath}${message}`)), ...nested];
}
