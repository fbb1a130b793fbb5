import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** A file's text, or undefined when it cannot be read (absent on this system). */
export type ReadText = (path: string) => string | undefined;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** BCRYPT_WORKERS when unset: the CPUs this process may use, at most this many. */
export const DEFAULT_MAX_BCRYPT_WORKERS = 4;

export function defaultBcryptWorkers(read: ReadText = readText, parallelism = availableParallelism()): number {
  return Math.min(DEFAULT_MAX_BCRYPT_WORKERS, availableCpus(read, parallelism));
}

/**
 * The CPUs this process may use: the cores it may run on (`availableParallelism`, which follows
 * the CPU affinity) and its cgroup's CPU quota (a container's `--cpus`, a Kubernetes CPU limit),
 * which Node 20's `availableParallelism` does not read. A quota of 1.5 CPUs counts as 2.
 */
export function availableCpus(read: ReadText = readText, parallelism = availableParallelism()): number {
  const quota = cgroupCpuQuota(read);
  return quota === undefined ? parallelism : Math.max(1, Math.min(parallelism, Math.ceil(quota)));
}

/**
 * The CPU quota of this process's cgroup in CPUs, or undefined when there is none: cgroup v2's
 * `cpu.max` ("150000 100000", or "max 100000" for none) or v1's `cpu.cfs_quota_us` over
 * `cpu.cfs_period_us` (-1 for none). Read in the process's own cgroup (from /proc/self/cgroup)
 * and at the root of the mount, which is the container's own cgroup in a container; the
 * smallest quota found applies.
 */
export function cgroupCpuQuota(read: ReadText = readText): number | undefined {
  const memberships = (read('/proc/self/cgroup') ?? '').split('\n').map((line) => line.split(':'));
  const pathOf = (matches: (controllers: string[]) => boolean) => {
    const entry = memberships.find((fields) => fields.length >= 3 && matches(fields[1].split(',')));
    return entry?.slice(2).join(':');
  };
  const v2Path = pathOf((controllers) => controllers.length === 1 && controllers[0] === '');
  const v1Path = pathOf((controllers) => controllers.includes('cpu'));

  const quotas: number[] = [];
  for (const dir of candidates('/sys/fs/cgroup', v2Path)) {
    const [quota, period] = (read(`${dir}/cpu.max`) ?? '').trim().split(/\s+/);
    quotas.push(...ratio(quota, period));
  }
  for (const mount of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']) {
    for (const dir of candidates(mount, v1Path)) {
      quotas.push(...ratio(read(`${dir}/cpu.cfs_quota_us`)?.trim(), read(`${dir}/cpu.cfs_period_us`)?.trim()));
    }
  }
  return quotas.length === 0 ? undefined : Math.min(...quotas);
}

/** The process's own cgroup directory under `mount` (when known), then the mount's root. */
function candidates(mount: string, path: string | undefined): string[] {
  const own = path === undefined || path === '/' ? [] : [`${mount}${path.replace(/\/$/, '')}`];
  return [...own, mount];
}

/** `[quota / period]` when both are positive numbers, else `[]` ("max", -1, or absent). */
function ratio(quota: string | undefined, period: string | undefined): number[] {
  const q = Number(quota);
  const p = Number(period);
  return quota !== undefined && period !== undefined && q > 0 && p > 0 && Number.isFinite(q) && Number.isFinite(p) ? [q / p] : [];
}
