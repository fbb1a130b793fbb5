import { availableCpus, defaultBcryptWorkers, type ReadText } from './available-cpus.js';

/** A machine's files, as /sys and /proc show them. */
function files(content: Record<string, string>): ReadText {
  return (path) => content[path];
}

describe('the CPUs available to the process', () => {
  it.each([
    ['no cgroup files (not Linux)', {}, 64, 64],
    ['cgroup v2 without a quota', { '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': 'max 100000\n' }, 64, 64],
    ['cgroup v2, a container limited to 2 CPUs', { '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '200000 100000\n' }, 64, 2],
    ['cgroup v2, half a CPU', { '/sys/fs/cgroup/cpu.max': '50000 100000\n' }, 64, 1],
    ['cgroup v2, 1.5 CPUs (rounded up)', { '/sys/fs/cgroup/cpu.max': '150000 100000\n' }, 64, 2],
    ['a quota above the cores', { '/sys/fs/cgroup/cpu.max': '800000 100000\n' }, 2, 2],
    [
      "cgroup v2, the process's own cgroup (a systemd unit with CPUQuota)",
      {
        '/proc/self/cgroup': '0::/system.slice/gatehouse.service\n',
        '/sys/fs/cgroup/system.slice/gatehouse.service/cpu.max': '300000 100000',
      },
      64,
      3,
    ],
    [
      'cgroup v1, a container limited to 3 CPUs',
      {
        '/proc/self/cgroup': '4:memory:/docker/abc\n2:cpu,cpuacct:/\n',
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '300000\n',
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
      },
      64,
      3,
    ],
    [
      'cgroup v1 without a quota (-1)',
      { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' },
      64,
      64,
    ],
  ])('%s', (_name, content: Record<string, string>, cores, expected) => {
    expect(availableCpus(files(content), cores)).toBe(expected);
  });
});

describe('BCRYPT_WORKERS when unset', () => {
  it.each([
    ['64 cores, no quota', {}, 64, 4],
    ['64 cores, a 2-CPU container', { '/sys/fs/cgroup/cpu.max': '200000 100000' }, 64, 2],
    ['1 core', {}, 1, 1],
  ])('%s: %s', (_name, content: Record<string, string>, cores, expected) => {
    expect(defaultBcryptWorkers(files(content), cores)).toBe(expected);
  });
});
