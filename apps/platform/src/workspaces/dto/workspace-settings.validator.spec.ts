import { SETTINGS_MAX_BYTES, SETTINGS_MAX_DEPTH, settingsProblem } from './workspace-settings.validator.js';

/** An object `levels` levels deep: `{a: {a: … {}}}`. */
function nestedObject(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

describe('settingsProblem', () => {
  it.each([
    ['an empty object', {}],
    ['flat values', { theme: 'dark', seats: 5, beta: true, logo: null }],
    ['objects and arrays to the depth limit', nestedObject(SETTINGS_MAX_DEPTH)],
    ['a value of exactly the size limit', { blob: 'x'.repeat(SETTINGS_MAX_BYTES - '{"blob":""}'.length) }],
  ])('accepts %s', (_name, settings) => {
    expect(settingsProblem(settings)).toBeUndefined();
  });

  it.each([null, [], ['a'], 'dark', 5, true])('refuses %j: settings are an object', (settings) => {
    expect(settingsProblem(settings)).toBe('settings must be a JSON object (send {} to clear the settings)');
  });

  it('refuses objects and arrays one level deeper than the limit', () => {
    expect(settingsProblem(nestedObject(SETTINGS_MAX_DEPTH + 1))).toBe('settings must not nest more than 8 levels of objects and arrays');
    expect(settingsProblem({ list: [[[[[[[[]]]]]]]] })).toBe('settings must not nest more than 8 levels of objects and arrays');
  });

  it('counts the size in UTF-8 bytes of JSON', () => {
    // Each "é" is 2 bytes: half as many characters as the limit already exceed it.
    expect(settingsProblem({ blob: 'é'.repeat(SETTINGS_MAX_BYTES / 2) })).toBe('settings must be at most 16384 bytes as JSON');
  });
});
