import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { SettingKey } from './config.schema.js';

/** The second seed's YAML names, under `security:`. */
const YAML_SETTINGS: Readonly<Record<string, SettingKey>> = {
  jwt_issuer: 'issuer',
  jwt_access_token_expiration: 'accessTokenExpiration',
  jwt_refresh_token_expiration: 'refreshTokenExpiration',
  jwt_audiences: 'audiences',
};

export interface Profile {
  settings: Partial<Record<SettingKey, unknown>>;
  yamlNames: Partial<Record<SettingKey, string>>;
  problems: string[];
}

/** Reads the `security:` section of a YAML profile file (`GATEHOUSE_PROFILE`). */
export function readProfile(path: string): Profile {
  const profile: Profile = { settings: {}, yamlNames: {}, problems: [] };
  const fail = (problem: string): Profile => {
    profile.problems.push(`GATEHOUSE_PROFILE: ${problem}`);
    return profile;
  };

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
  if (document === null || document === undefined) return profile;
  if (typeof document !== 'object' || Array.isArray(document)) {
    return fail(`${path} must be a YAML mapping with a "security:" section`);
  }
  const security = (document as Record<string, unknown>).security;
  if (security === undefined || security === null) return profile;
  if (typeof security !== 'object' || Array.isArray(security)) {
    return fail(`"security" in ${path} must be a mapping of ${Object.keys(YAML_SETTINGS).join(', ')}`);
  }

  for (const [name, value] of Object.entries(security)) {
    const key = YAML_SETTINGS[name];
    if (key === undefined) {
      profile.problems.push(`security.${name} in ${path}: unknown setting; allowed: ${Object.keys(YAML_SETTINGS).join(', ')}`);
      continue;
    }
    if (value === null) continue;
    profile.settings[key] = value;
    profile.yamlNames[key] = `security.${name}`;
  }
  return profile;
}
