/** The four client surfaces a Gatehouse token can be issued for (SPEC section 2's audiences). */
export const SURFACES = ['web', 'api', 'a2a', 'mcp'] as const;

export type Surface = (typeof SURFACES)[number];

const SURFACE_SET: ReadonlySet<string> = new Set(SURFACES);

export function isSurface(value: unknown): value is Surface {
  return typeof value === 'string' && SURFACE_SET.has(value);
}
