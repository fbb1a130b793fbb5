import { describeUnstorableText, excessiveNestingAt, MAX_JSON_DEPTH } from './json-body.js';

const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;

describe('excessiveNestingAt', () => {
  it('stops at the first bracket one level too deep: a 49,000-deep body costs 33 characters, not 98,000', () => {
    const hostile = `{"email":"a@example.com","audience":${nested(49_000)}}`;
    const offset = excessiveNestingAt(hostile, MAX_JSON_DEPTH);
    // The body's own object is level 1; the 32nd bracket of the audience is level 33.
    expect(offset).toBe(hostile.indexOf('[') + MAX_JSON_DEPTH - 1);
  });

  it.each([
    ['arrays', nested(MAX_JSON_DEPTH)],
    ['objects', `${'{"a":'.repeat(MAX_JSON_DEPTH - 1)}{}${'}'.repeat(MAX_JSON_DEPTH - 1)}`],
    ['a mix', `{"a":[{"b":[${nested(MAX_JSON_DEPTH - 4)}]}]}`],
  ])('accepts %s nested exactly to the limit', (_name, text) => {
    expect(excessiveNestingAt(text, MAX_JSON_DEPTH)).toBe(-1);
  });

  it.each([
    ['arrays', nested(MAX_JSON_DEPTH + 1)],
    ['objects', `${'{"a":'.repeat(MAX_JSON_DEPTH)}{}${'}'.repeat(MAX_JSON_DEPTH)}`],
  ])('refuses %s one level deeper', (_name, text) => {
    expect(excessiveNestingAt(text, MAX_JSON_DEPTH)).not.toBe(-1);
  });

  it('counts depth, not brackets: many siblings at a shallow depth pass', () => {
    expect(excessiveNestingAt(`[${Array.from({ length: 5_000 }, () => '[[]]').join(',')}]`, MAX_JSON_DEPTH)).toBe(-1);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ name: '['.repeat(100), quoted: `"${'{'.repeat(100)}\\"[[[` });
    expect(excessiveNestingAt(text, MAX_JSON_DEPTH)).toBe(-1);
    expect(excessiveNestingAt(text, 0)).toBe(0);
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
