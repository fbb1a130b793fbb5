import type { Environment } from './sources.js';

/** The variables Gatehouse reads besides the settings of the schema. */
export const OTHER_VARIABLES = [
  'PLATFORM_ENV',
  'PLATFORM_JWT_TTL',
  'PLATFORM_JWT_SECRET_FILE',
  'PLATFORM_JWT_PREVIOUS_SECRETS_FILE',
  'GATEHOUSE_PROFILE',
  'GATEHOUSE_ENV_FILE',
] as const;

/** Read by the test suite, not by Gatehouse; set in a developer's shell, they are no typo. */
const TEST_VARIABLES = ['GATEHOUSE_TEST_DATABASE_URL', 'GATEHOUSE_TEST_REDIS_URL'];

/** A variable with one of these prefixes is meant for Gatehouse, so one it does not know is likely a typo. */
const CHECKED_PREFIXES = ['PLATFORM_', 'JWT_', 'GATEHOUSE_'];

/**
 * The variables Kubernetes (and Docker's links) set for a Service of the same name: a Service
 * called `gatehouse` gives every pod GATEHOUSE_SERVICE_HOST, GATEHOUSE_PORT=tcp://…,
 * GATEHOUSE_PORT_80_TCP_ADDR and the like. They are not settings, nor typos.
 */
function isServiceLink(name: string, value: string): boolean {
  return (
    /_SERVICE_(HOST|PORT)(_[A-Z0-9_]+)?$/.test(name) ||
    /_PORT_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?$/.test(name) ||
    (name.endsWith('_PORT') && /^(tcp|udp|sctp):\/\//.test(value))
  );
}

/**
 * One warning for each variable that looks meant for Gatehouse (PLATFORM_*, JWT_*, GATEHOUSE_*)
 * but is none it reads, with the closest known name when there is one:
 * `unknown variable JWT_SECRET; did you mean PLATFORM_JWT_SECRET?`. `label` says where a
 * variable came from (the environment, or the env file).
 */
export function unknownVariableWarnings(env: Environment, settings: readonly string[], label: (name: string) => string): string[] {
  const known = [...settings, ...OTHER_VARIABLES];
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !CHECKED_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    if (known.includes(name) || TEST_VARIABLES.includes(name) || isServiceLink(name, value)) continue;
    const suggestion = closestName(name, known);
    warnings.push(
      `unknown variable ${label(name)}; ` +
        (suggestion === undefined ? 'Gatehouse has no such setting, so it is ignored' : `did you mean ${suggestion}?`),
    );
  }
  return warnings;
}

/**
 * The known name `name` most likely stands for: one that differs by a prefix or a suffix
 * (JWT_SECRET for PLATFORM_JWT_SECRET, PLATFORM_ENVIRONMENT for PLATFORM_ENV), or by a few
 * typed characters (JWT_ISUER); the fewest edits first.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    const related =
      candidate.endsWith(`_${name}`) || name.endsWith(`_${candidate}`) || name.startsWith(candidate) || candidate.startsWith(name);
    const close = distance <= Math.max(2, Math.floor(candidate.length / 4));
    if ((related || close) && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
