import type { FastifyInstance } from 'fastify';
import { DomainError } from '@app/errors';

/** Arrays and objects nested deeper than this are refused before the body is parsed. */
export const MAX_JSON_DEPTH = 32;
/**
 * Object members plus array elements, in the whole body. Each one costs class-transformer some
 * microseconds (a 100 kB body of 9,000 keys took ~150 ms of main thread); no route takes
 * anywhere near this many.
 */
export const MAX_JSON_VALUES = 1000;
/** The message of every 415: JSON is the only body Gatehouse reads (SPEC section 3). */
export const JSON_BODIES_ONLY = 'Content-Type must be application/json';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const SPACE = 0x20;
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface JsonShapeLimits {
  maxDepth: number;
  maxValues: number;
}

/** Why JSON text is refused before parsing, and the offset where the scan stopped. */
export interface JsonShapeProblem {
  problem: 'too_deep' | 'too_many_values';
  offset: number;
}

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth` or holds more than
 * `maxValues` object members and array elements: one pass over the raw text that stops at the
 * first bracket one level too deep or the first value too many. A hostile body (49,000 brackets
 * in 100 kB) is refused after reading `maxDepth + 1` of them and never reaches JSON.parse,
 * class-transformer or class-validator, whose recursion it would drive. Brackets, colons and
 * commas inside strings do not count; malformed text is left for the parser to refuse.
 */
export function jsonShapeProblem(text: string, limits: JsonShapeLimits): JsonShapeProblem | undefined {
  // Whether each open container is an array; the depth is bounded, so is this.
  const inArray = new Uint8Array(limits.maxDepth + 1);
  let depth = 0;
  let values = 0;
  let inString = false;
  // Just after `[`: the next token is the array's first element, unless it is `]`.
  let arrayOpened = false;
  for (let offset = 0; offset < text.length; offset++) {
    const code = text.charCodeAt(offset);
    if (inString) {
      if (code === BACKSLASH) offset++;
      else if (code === QUOTE) inString = false;
      continue;
    }
    if (code === SPACE || code === LINE_FEED || code === CARRIAGE_RETURN || code === TAB) continue;
    if (arrayOpened) {
      arrayOpened = false;
      if (code !== CLOSE_BRACKET && ++values > limits.maxValues) return { problem: 'too_many_values', offset };
    }
    if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      if (++depth > limits.maxDepth) return { problem: 'too_deep', offset };
      inArray[depth] = code === OPEN_BRACKET ? 1 : 0;
      arrayOpened = code === OPEN_BRACKET;
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth = Math.max(depth - 1, 0);
    } else if (code === COLON || (code === COMMA && inArray[depth] === 1)) {
      if (++values > limits.maxValues) return { problem: 'too_many_values', offset };
    }
  }
  return undefined;
}

export const SHAPE_MESSAGES: Readonly<Record<JsonShapeProblem['problem'], string>> = {
  too_deep: `Request body is nested too deeply (at most ${MAX_JSON_DEPTH} levels of arrays and objects)`,
  too_many_values: `Request body has too many values (at most ${MAX_JSON_VALUES} object members and array elements)`,
};

type TextProblem = 'nul' | 'lone_surrogate';

interface UnstorableText {
  /** Keys and indexes from the body's root to the string (or to the object with the bad key). */
  path: (string | number)[];
  inKey: boolean;
  problem: TextProblem;
}

/**
 * Why a parsed body cannot be accepted as text, naming the field; undefined when it can. JSON
 * escapes can smuggle in `\u0000`, which PostgreSQL refuses in `text` and `jsonb` (a 500 if it
 * got that far), and unpaired UTF-16 surrogates, which are not Unicode text at all and would be
 * stored silently replaced. Keys are checked as well as values.
 */
export function describeUnstorableText(body: unknown): string | undefined {
  const found = findUnstorableText(body);
  if (found === undefined) return undefined;
  const where = found.path.length === 0 ? 'the request body' : formatPath(found.path);
  const subject = found.inKey ? `a key in ${where}` : where;
  return found.problem === 'nul'
    ? `${subject} must not contain the NUL character (\\u0000)`
    : `${subject} must be valid Unicode text (it contains an unpaired surrogate)`;
}

function textProblem(text: string): TextProblem | undefined {
  if (text.includes('\0')) return 'nul';
  if (!text.isWellFormed()) return 'lone_surrogate';
  return undefined;
}

/** Recursion is bounded: bodies nested deeper than MAX_JSON_DEPTH never get here. */
function findUnstorableText(value: unknown): UnstorableText | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem === undefined ? undefined : { path: [], inKey: false, problem };
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableText(value[index]);
      if (found !== undefined) {
        found.path.unshift(index);
        return found;
      }
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem !== undefined) return { path: [], inKey: true, problem: keyProblem };
      const found = findUnstorableText(item);
      if (found !== undefined) {
        found.path.unshift(key);
        return found;
      }
    }
  }
  return undefined;
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((step, index) => (typeof step === 'number' ? `[${step}]` : index === 0 ? step : `.${step}`)).join('');
}

/**
 * Gatehouse reads JSON bodies only: Fastify's other parsers (text/plain) are removed, so any
 * other content type, or a body without one, is 415. A JSON body is refused with 400 when it
 * nests deeper than MAX_JSON_DEPTH or holds more than MAX_JSON_VALUES values (both checked on
 * the raw text, before parsing) or holds text that cannot be stored; prototype-poisoning keys are refused by Fastify's own parser.
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const body = raw as string;
    const shape = jsonShapeProblem(body, { maxDepth: MAX_JSON_DEPTH, maxValues: MAX_JSON_VALUES });
    if (shape !== undefined) {
      done(new DomainError('invalid', SHAPE_MESSAGES[shape.problem]));
      return;
    }
    // Fastify's own parser (secure-json-parse), which completes synchronously through the callback.
    void parseJson(request, body, (error, parsed: unknown) => {
      if (error !== null) {
        done(error);
        return;
      }
      const problem = describeUnstorableText(parsed);
      if (problem === undefined) done(null, parsed);
      else done(new DomainError('invalid', problem));
    });
  });
}
