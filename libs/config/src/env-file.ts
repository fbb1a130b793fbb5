import { parse } from 'dotenv';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Environment } from './sources.js';

/** The file read when GATEHOUSE_ENV_FILE is unset, in the current directory. */
export const ENV_FILE_NAME = '.env';

const ENV_FILE_RANGE = 'the path of a readable file of NAME=value lines (/dev/null for none)';

export interface ProcessEnvironment {
  /** The variables of the env file under those of the environment (the environment wins). */
  env: Environment;
  /** The env file's path, when one was read. */
  file: string | undefined;
  /** The variables whose value came from the file. */
  fromFile: ReadonlySet<string>;
  problems: string[];
}

/**
 * The environment Gatehouse (the server and every `gatehouse` command) runs with: `env`, over
 * the variables of `.env` in `cwd` when there is one, or of the file `GATEHOUSE_ENV_FILE` names
 * (which must exist). The file is parsed by dotenv; `process.env` is left as it is.
 */
export function readProcessEnvironment(env: Environment, cwd: string): ProcessEnvironment {
  const named = env.GATEHOUSE_ENV_FILE;
  const none = { env, file: undefined, fromFile: new Set<string>() };
  if (named !== undefined && named.trim() === '') {
    return { ...none, problems: [`GATEHOUSE_ENV_FILE: is set but empty; allowed: ${ENV_FILE_RANGE}`] };
  }
  const path = resolve(cwd, named ?? ENV_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    // No .env in the current directory is the usual case; a file named explicitly must be there.
    if (named === undefined && code === 'ENOENT') return { ...none, problems: [] };
    const label = named === undefined ? path : 'GATEHOUSE_ENV_FILE';
    return { ...none, problems: [`${label}: cannot read ${path} (${code}); allowed: ${ENV_FILE_RANGE}`] };
  }
  const values = parse(text);
  const fromFile = new Set(Object.keys(values).filter((name) => env[name] === undefined));
  const merged: Record<string, string | undefined> = { ...env };
  for (const name of fromFile) merged[name] = values[name];
  return { env: merged, file: Object.keys(values).length > 0 ? path : undefined, fromFile, problems: [] };
}

const DEV_ENV_FILE = `# Written by \`gatehouse start --dev\` (npm run dev): development mode for the server and for
# every gatehouse command run in this directory, which all read this file. A variable set in the
# environment wins over the same one here.
PLATFORM_ENV=dev
`;

export interface DevelopmentMode {
  /** Why development mode cannot be used, in one line. */
  problem?: string;
  /** The `.env` written to select it. */
  created?: string;
}

/**
 * `gatehouse start --dev` (`npm run dev`): development mode, kept in `.env` so that the
 * `gatehouse` commands run in the same directory use it too. Writes `.env` with `PLATFORM_ENV=dev`
 * when there is no env file and the environment does not set PLATFORM_ENV; refuses when the
 * settings select production mode, naming where they do.
 */
export function prepareDevelopmentMode(env: Environment = process.env, cwd = process.cwd()): DevelopmentMode {
  const defaultFile = resolve(cwd, ENV_FILE_NAME);
  let created: string | undefined;
  if (env.GATEHOUSE_ENV_FILE === undefined && env.PLATFORM_ENV === undefined && !existsSync(defaultFile)) {
    try {
      writeFileSync(defaultFile, DEV_ENV_FILE, { flag: 'wx', mode: 0o600 });
      created = defaultFile;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unwritable';
      return { problem: `gatehouse start --dev: cannot write ${defaultFile} (${code}); set PLATFORM_ENV=dev in the environment instead` };
    }
  }
  const source = readProcessEnvironment(env, cwd);
  // An unreadable env file is one of the configuration's own problems, reported with the others.
  if (source.problems.length > 0) return { created };
  const value = source.env.PLATFORM_ENV;
  if (value?.trim() === 'dev') return { created };
  const file = source.file ?? resolve(cwd, env.GATEHOUSE_ENV_FILE ?? ENV_FILE_NAME);
  if (value === undefined) {
    return {
      problem:
        `gatehouse start --dev: ${file} does not set PLATFORM_ENV, so Gatehouse would run in production mode; ` +
        'add the line PLATFORM_ENV=dev to it (the gatehouse commands run in this directory read it too)',
    };
  }
  const where = source.fromFile.has('PLATFORM_ENV') ? file : 'the environment';
  return {
    problem: `gatehouse start --dev: PLATFORM_ENV=${value} in ${where} selects production mode; only PLATFORM_ENV=dev is development mode`,
  };
}
