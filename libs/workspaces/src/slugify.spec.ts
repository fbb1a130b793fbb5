import { slugify } from './slugify.js';

describe('slugify', () => {
  it.each([
    ['Acme Research', 'acme-research'],
    ['  Ünïcode  Team #1 ', 'unicode-team-1'],
    ['already-a-slug', 'already-a-slug'],
    ['---Edge---Dashes---', 'edge-dashes'],
    ['日本語', 'workspace'],
    ['', 'workspace'],
    [`${'a'.repeat(63)} b`, 'a'.repeat(63)],
  ])('%j → %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('never makes more than 64 characters', () => {
    expect(slugify('word '.repeat(40)).length).toBeLessThanOrEqual(64);
  });
});
