import { readFileSync } from 'node:fs';
import type { SecretSource } from './gatehouse-config.js';
import { readProfile } from './profile.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** A setting's raw value, and how an error line names where it came from. */
export interface Setting {
  value: unknown;
  label: string;
}

export interface Gathered {
  /** By variable name; the schema validates and converts the values. */
  settings: Map<string, Setting>;
  problems: string[];
  /** Settings already reported here, so the schema does not report them a second time. */
  reported: Set<string>;
  secretSource: SecretSource;
}

/**
 * Collects each setting's raw value: the YAML profile (`GATEHOUSE_PROFILE`), the environment
 * over it, then the two other variables that can give a value (`PLATFORM_JWT_TTL` and
 * `PLATFORM_JWT_SECRET_FILE`). `ranges` names the settings and what each allows; `labelOf`
 * names a variable in an error line (with the env file it came from, if so).
 */
export function gatherSettings(
  env: Environment,
  ranges: Readonly<Record<string, string>>,
  labelOf: (name: string) => string = (name) => name,
): Gathered {
  const settings = new Map<string, Setting>();
  const problems: string[] = [];
  const reported = new Set<string>();
  const report = (setting: string, problem: string) => {
    problems.push(problem);
    reported.add(setting);
  };

  if (env.GATEHOUSE_PROFILE !== undefined) {
    const profile = readProfile(env.GATEHOUSE_PROFILE);
    problems.push(...profile.problems);
    for (const [name, setting] of profile.settings) settings.set(name, setting);
  }

  for (const name of Object.keys(ranges)) {
    const value = env[name];
    if (value === undefined) continue;
    // An empty variable is a slip (say, an unset shell variable in a compose file), not a request
    // for the default: above all, an empty secret must not quietly become the built-in one.
    if (value.trim() === '') report(name, `${labelOf(name)}: is set but empty; allowed: ${ranges[name]}`);
    else settings.set(name, { value, label: labelOf(name) });
  }

  const aliasProblem = applyAccessTokenAlias(env, settings);
  if (aliasProblem !== undefined) {
    report('JWT_ACCESS_TOKEN_EXPIRATION', `${aliasProblem}; allowed: ${ranges.JWT_ACCESS_TOKEN_EXPIRATION}`);
  }

  const secretSource = readSecretFile(env, settings, problems);
  readPreviousSecretsFile(env, settings, problems);
  return { settings, problems, reported, secretSource };
}

/**
 * `PLATFORM_JWT_TTL`, the first seed's name for `JWT_ACCESS_TOKEN_EXPIRATION`, stands in for it
 * when alone and must agree with it when both are set. Returns the problem, if any.
 */
function applyAccessTokenAlias(env: Environment, settings: Map<string, Setting>): string | undefined {
  const alias = env.PLATFORM_JWT_TTL;
  const primary = env.JWT_ACCESS_TOKEN_EXPIRATION;
  if (alias === undefined) return undefined;
  if (alias.trim() === '') return 'PLATFORM_JWT_TTL: is set but empty';
  if (primary === undefined) {
    settings.set('JWT_ACCESS_TOKEN_EXPIRATION', { value: alias, label: 'PLATFORM_JWT_TTL' });
  } else if (primary.trim() !== '' && Number(alias) !== Number(primary)) {
    return (
      `PLATFORM_JWT_TTL and JWT_ACCESS_TOKEN_EXPIRATION: both are set, to different values ` +
      `(${alias.trim()} and ${primary.trim()}); set only one (they are the same setting)`
    );
  }
  return undefined;
}

/** `PLATFORM_JWT_SECRET_FILE` supplies the secret from a file (Docker and Kubernetes secrets). */
function readSecretFile(env: Environment, settings: Map<string, Setting>, problems: string[]): SecretSource {
  const path = env.PLATFORM_JWT_SECRET_FILE;
  if (path === undefined) return settings.has('PLATFORM_JWT_SECRET') ? 'environment' : 'default';
  if (env.PLATFORM_JWT_SECRET !== undefined) {
    problems.push('PLATFORM_JWT_SECRET and PLATFORM_JWT_SECRET_FILE: both are set; set only one of them');
    return 'environment';
  }
  if (path.trim() === '') {
    problems.push('PLATFORM_JWT_SECRET_FILE: is set but empty; give the path of a file holding the secret');
    return 'file';
  }
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`PLATFORM_JWT_SECRET_FILE: cannot read ${path} (${reason}); give the path of a readable file holding the secret`);
    return 'file';
  }
  const secret = content.replace(/(\r?\n)+$/, '');
  if (secret.trim() === '') {
    problems.push(`PLATFORM_JWT_SECRET_FILE: ${path} is empty; put the secret in it (generate one with \`gatehouse secret generate\`)`);
  } else {
    settings.set('PLATFORM_JWT_SECRET', { value: secret, label: `PLATFORM_JWT_SECRET_FILE (${path})` });
  }
  return 'file';
}

/** `PLATFORM_JWT_PREVIOUS_SECRETS_FILE`: earlier secrets from a file, one per line (blank lines skipped). */
function readPreviousSecretsFile(env: Environment, settings: Map<string, Setting>, problems: string[]): void {
  const path = env.PLATFORM_JWT_PREVIOUS_SECRETS_FILE;
  if (path === undefined) return;
  if (env.PLATFORM_JWT_PREVIOUS_SECRETS !== undefined) {
    problems.push('PLATFORM_JWT_PREVIOUS_SECRETS and PLATFORM_JWT_PREVIOUS_SECRETS_FILE: both are set; set only one of them');
    return;
  }
  if (path.trim() === '') {
    problems.push(
      'PLATFORM_JWT_PREVIOUS_SECRETS_FILE: is set but empty; give the path of a file holding the earlier secrets, one per line',
    );
    return;
  }
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(
      `PLATFORM_JWT_PREVIOUS_SECRETS_FILE: cannot read ${path} (${reason}); give the path of a readable file holding the earlier secrets, one per line`,
    );
    return;
  }
  const secrets = content
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  // An empty file is a file of no previous secrets: the last one was just dropped from it.
  if (secrets.length > 0) {
    settings.set('PLATFORM_JWT_PREVIOUS_SECRETS', { value: secrets, label: `PLATFORM_JWT_PREVIOUS_SECRETS_FILE (${path})` });
  }
}
