import { describeUnstorableText, jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_VALUES } from './json-body.js';

const LIMITS = { maxDepth: MAX_JSON_DEPTH, maxValues: MAX_JSON_VALUES };
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const members = (count: number) => `{${Array.from({ length: count }, (_, i) => `"k${i}":0`).join(',')}}`;
const elements = (count: number, element = '0') => `[${Array.from({ length: count }, () => element).join(', ')}]`;

describe('jsonShapeProblem: nesting', () => {
  it('stops at the first bracket one level too deep: a 49,000-deep body costs 33 brackets, not 98,000', () => {
    const hostile = `{"email":"a@example.com","audience":${nested(49_000)}}`;
    // The body's own object is level 1; the 32nd bracket of the audience is level 33.
    expect(jsonShapeProblem(hostile, LIMITS)).toEqual({ problem: 'too_deep', offset: hostile.indexOf('[') + MAX_JSON_DEPTH - 1 });
  });

  it.each([
    ['arrays', nested(MAX_JSON_DEPTH)],
    ['objects', `${'{"a":'.repeat(MAX_JSON_DEPTH - 1)}{}${'}'.repeat(MAX_JSON_DEPTH - 1)}`],
    ['a mix', `{"a":[{"b":[${nested(MAX_JSON_DEPTH - 4)}]}]}`],
  ])('accepts %s nested exactly to the limit', (_name, text) => {
    expect(jsonShapeProblem(text, LIMITS)).toBeUndefined();
  });

  it.each([
    ['arrays', nested(MAX_JSON_DEPTH + 1)],
    ['objects', `${'{"a":'.repeat(MAX_JSON_DEPTH)}{}${'}'.repeat(MAX_JSON_DEPTH)}`],
  ])('refuses %s one level deeper', (_name, text) => {
    expect(jsonShapeProblem(text, LIMITS)?.problem).toBe('too_deep');
  });

  it('counts depth, not brackets: siblings at a shallow depth pass', () => {
    expect(jsonShapeProblem(elements(300, '[[]]'), LIMITS)).toBeUndefined();
  });

  it('ignores brackets, colons and commas inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ name: '[:,'.repeat(2_000), quoted: `"${'{'.repeat(100)}\\"[[[` });
    expect(jsonShapeProblem(text, LIMITS)).toBeUndefined();
    expect(jsonShapeProblem(text, { maxDepth: 0, maxValues: MAX_JSON_VALUES })).toEqual({ problem: 'too_deep', offset: 0 });
  });
});

describe('jsonShapeProblem: values', () => {
  it.each([
    ['object members', members(MAX_JSON_VALUES)],
    ['array elements', `{"a":${elements(MAX_JSON_VALUES - 1)}}`],
    ['arrays of arrays', elements(MAX_JSON_VALUES / 2, '[0]')],
    ['empty arrays, which hold nothing', `{"a":${elements(MAX_JSON_VALUES - 1, '[ ]')}}`],
  ])('accepts %s up to the limit', (_name, text) => {
    expect(jsonShapeProblem(text, LIMITS)).toBeUndefined();
  });

  it.each([
    ['object members', members(MAX_JSON_VALUES + 1)],
    ['array elements', `{"a":${elements(MAX_JSON_VALUES)}}`],
    ['one-element arrays', elements(MAX_JSON_VALUES / 2 + 1, '[0]')],
    ['string elements', elements(MAX_JSON_VALUES + 1, '"web"')],
  ])('refuses one value more in %s', (_name, text) => {
    expect(jsonShapeProblem(text, LIMITS)?.problem).toBe('too_many_values');
  });

  it('stops at the first value too many: 9,000 keys in 100 kB cost 1,001 of them', () => {
    const hostile = members(9_000);
    const offset = jsonShapeProblem(hostile, LIMITS)?.offset;
    expect(offset).toBe(hostile.indexOf('"k1000":') + '"k1000"'.length);
  });
});

describe('describeUnstorableText', () => {
  it('accepts ordinary text, astral characters (a valid surrogate pair) included', () => {
    expect(describeUnstorableText({ name: 'Ada 😀 Lovelace', tags: ['日本語', ''], n: 1, ok: true, none: null })).toBeUndefined();
  });

  it.each([
    [{ name: 'a\u0000b' }, 'name must not contain the NUL character (\\u0000)'],
    [{ settings: { colours: ['red', 'bl\u0000ue'] } }, 'settings.colours[1] must not contain the NUL character (\\u0000)'],
    [{ name: 'a\ud800b' }, 'name must be valid Unicode text (it contains an unpaired surrogate)'],
    [{ name: 'trailing \udc00' }, 'name must be valid Unicode text (it contains an unpaired surrogate)'],
    [{ name: 'reversed \udc00\ud800' }, 'name must be valid Unicode text (it contains an unpaired surrogate)'],
    [{ settings: { 'x\u0000': 1 } }, 'a key in settings must not contain the NUL character (\\u0000)'],
    [{ '\ud800': 1 }, 'a key in the request body must be valid Unicode text (it contains an unpaired surrogate)'],
    ['\u0000', 'the request body must not contain the NUL character (\\u0000)'],
    [[{ a: 'ok' }, { b: '\u0000' }], '[1].b must not contain the NUL character (\\u0000)'],
  ])('refuses %j: %s', (body, message) => {
    expect(describeUnstorableText(body)).toBe(message);
  });
});
