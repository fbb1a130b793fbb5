import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Setting } from './sources.js';

/**
 * What a profile may set under `security:`: the second seed's YAML names, each its variable's
 * name in lower case (`jwt_issuer` sets `JWT_ISSUER`).
 */
const PROFILE_NAMES = ['jwt_issuer', 'jwt_access_token_expiration', 'jwt_refresh_token_expiration', 'jwt_audiences'];

export interface Profile {
  /** By variable name. */
  settings: Map<string, Setting>;
  problems: string[];
}

/** Reads the `security:` section of a YAML profile file (`GATEHOUSE_PROFILE`). */
export function readProfile(path: string): Profile {
  const settings = new Map<string, Setting>();
  const fail = (problem: string): Profile => ({ settings, problems: [`GATEHOUSE_PROFILE: ${problem}`] });

  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}); allowed: the path of a readable YAML file`,
    );
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    return fail(`${path} is not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (document === null || document === undefined) return { settings, problems: [] };
  if (typeof document !== 'object' || Array.isArray(document)) {
    return fail(`${path} must be a YAML mapping with a "security:" section`);
  }
  const security = (document as Record<string, unknown>).security ?? {};
  if (typeof security !== 'object' || Array.isArray(security)) {
    return fail(`"security" in ${path} must be a mapping of ${PROFILE_NAMES.join(', ')}`);
  }

  const problems: string[] = [];
  for (const [name, value] of Object.entries(security)) {
    const label = `security.${name} in ${path}`;
    if (!PROFILE_NAMES.includes(name)) problems.push(`${label}: unknown setting; allowed: ${PROFILE_NAMES.join(', ')}`);
    else if (value !== null) settings.set(name.toUpperCase(), { value, label });
  }
  return { settings, problems };
}
