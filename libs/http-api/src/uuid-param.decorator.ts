import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { DomainError } from '@app/errors';
import { ApiErrors } from './api-endpoint.decorator.js';

/**
 * A path parameter that must be a UUID: 400 `<name> must be a UUID` otherwise (never a 403 or
 * 404 that a malformed id could tell apart). The OpenAPI document gets the parameter with
 * `format: uuid` and the 400 with its message.
 */
export function UuidParam(name: string, description?: string): ParameterDecorator {
  const message = `${name} must be a UUID`;
  const pipe = new ParseUUIDPipe({ exceptionFactory: () => new DomainError('invalid', message) });
  const documented = [ApiParam({ name, type: String, format: 'uuid', description }), ApiErrors({ 400: message })];
  return (target, key, index) => {
    Param(name, pipe)(target, key, index);
    // The documentation belongs to the method the parameter is declared on.
    const descriptor = Object.getOwnPropertyDescriptor(target, key!)!;
    for (const decorate of documented) decorate(target, key!, descriptor);
  };
}
