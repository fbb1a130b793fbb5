import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse, getSchemaPath, type OperationObject, type ResponseObject } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { ErrorResponse } from '@app/errors';

/**
 * One documented answer of an error status: a message (`'Slug already taken'`), the list of
 * field messages of a validation error (`['email is required']`), or a domain error class
 * whose constructor takes no argument (its message is read from an instance).
 */
export type ErrorExample = string | readonly string[] | (new () => Error);

/**
 * Per status, one example or an array of them. An array is always a list of examples, so one
 * validation answer is written inside one: `{ 400: [['email is required'], 'id must be a UUID'] }`.
 */
export type ErrorExamples = Readonly<Record<number, ErrorExample | readonly ErrorExample[]>>;

/** The `{statusCode, error, message}` body an error status answers with this message. */
export function errorBody(status: number, message: string | readonly string[]): ErrorResponse {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: typeof message === 'string' ? message : [...message] };
}

function messageOf(example: ErrorExample): string | readonly string[] {
  return typeof example === 'function' ? new example().message : example;
}

/** An array given for a status is a list of examples, never one example's field list. */
function examplesOf(value: ErrorExample | readonly ErrorExample[]): readonly ErrorExample[] {
  return typeof value === 'string' || typeof value === 'function' ? [value] : value;
}

/** One status's documented answer: the common error body, with each message as an example. */
function errorResponse(status: number, value: ErrorExample | readonly ErrorExample[]) {
  const messages = examplesOf(value).map(messageOf);
  return {
    description: messages.map((message) => `\`${exampleName(message)}\``).join('\n\n'),
    examples: Object.fromEntries(
      messages.map((message) => [exampleName(message), { summary: exampleName(message), value: errorBody(status, message) }]),
    ),
  };
}

function exampleName(message: string | readonly string[]): string {
  return typeof message === 'string' ? message : message.join('; ');
}

/**
 * Documents error answers in the common shape, each status with the real messages as examples
 * (merged with the examples other decorators give the same status).
 */
export function ApiErrors(errors: ErrorExamples): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, value]: [string, ErrorExample | readonly ErrorExample[]]) =>
      ApiResponse({ status: Number(status), type: ErrorResponse, ...errorResponse(Number(status), value) }),
    ),
  );
}

/**
 * Adds error answers to an operation of a generated document, as `ApiErrors` would have: for
 * the errors that the server, not the route, answers (a JSON body's).
 */
export function addErrorExamples(operation: OperationObject, errors: ErrorExamples): void {
  for (const [status, value] of Object.entries(errors) as [string, ErrorExample | readonly ErrorExample[]][]) {
    const { description, examples } = errorResponse(Number(status), value);
    const existing = operation.responses[status] as ResponseObject | undefined;
    const media = existing?.content?.['application/json'];
    operation.responses[status] = {
      description: existing?.description ? `${existing.description}\n\n${description}` : description,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) }, examples: { ...media?.examples, ...examples } },
      },
    };
  }
}

/** What an operation of the HTTP API says about itself in the OpenAPI document. */
export interface EndpointDocumentation {
  /**
   * The name generated clients give the operation's method: a camelCase verb phrase
   * (`login`, `listWorkspaces`, `updateMember`), unique in the document and never renamed.
   */
  operationId: string;
  /** One line: what the operation does, and for whom when that matters. */
  summary: string;
  description?: string;
  /**
   * The errors the operation itself answers (its rules and its input), with their real
   * messages. Those of the token (`@Audiences`) and of a JSON body (added to every operation
   * that reads one) are documented without being listed here.
   */
  errors?: ErrorExamples;
}

/**
 * The one decorator that documents an operation: its `operationId`, summary and error answers.
 * Every route has one; the OpenAPI e2e test checks that.
 */
export function ApiEndpoint({ operationId, summary, description, errors = {} }: EndpointDocumentation): MethodDecorator {
  return applyDecorators(ApiOperation({ operationId, summary, description }), ApiErrors(errors));
}
