import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareDevelopmentMode, readProcessEnvironment } from './env-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-env-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the env file', () => {
  it('is .env in the current directory, under the environment', () => {
    writeFileSync(join(dir, '.env'), '# comment\nPLATFORM_ENV=dev\nexport PORT=4000\nJWT_ISSUER="quoted issuer" # note\nHOST=\n');
    const read = readProcessEnvironment({ PORT: '5000', PATH: '/bin' }, dir);
    expect(read).toEqual({
      env: { PLATFORM_ENV: 'dev', PORT: '5000', JWT_ISSUER: 'quoted issuer', HOST: '', PATH: '/bin' },
      file: join(dir, '.env'),
      fromFile: new Set(['PLATFORM_ENV', 'JWT_ISSUER', 'HOST']),
      problems: [],
    });
  });

  it('is optional', () => {
    expect(readProcessEnvironment({ PORT: '5000' }, dir)).toEqual({
      env: { PORT: '5000' },
      file: undefined,
      fromFile: new Set(),
      problems: [],
    });
  });

  it('is the file GATEHOUSE_ENV_FILE names instead, relative to the current directory', () => {
    writeFileSync(join(dir, '.env'), 'PORT=1\n');
    writeFileSync(join(dir, 'other.env'), 'PORT=2\n');
    expect(readProcessEnvironment({ GATEHOUSE_ENV_FILE: 'other.env' }, dir).env.PORT).toBe('2');
    expect(readProcessEnvironment({ GATEHOUSE_ENV_FILE: '/dev/null' }, dir)).toMatchObject({ file: undefined, problems: [] });
  });

  it.each([
    [
      'a missing file named by GATEHOUSE_ENV_FILE',
      { GATEHOUSE_ENV_FILE: 'missing.env' },
      /^GATEHOUSE_ENV_FILE: cannot read .*missing\.env \(ENOENT\)/,
    ],
    ['an empty GATEHOUSE_ENV_FILE', { GATEHOUSE_ENV_FILE: ' ' }, /^GATEHOUSE_ENV_FILE: is set but empty/],
  ])('refuses %s', (_name, env, problem) => {
    const read = readProcessEnvironment(env, dir);
    expect(read.problems).toEqual([expect.stringMatching(problem)]);
    expect(read.env).toBe(env);
  });

  it('refuses a .env that cannot be read, naming it', () => {
    const path = join(dir, '.env');
    // A directory where the file should be cannot be read, even as root.
    mkdirSync(path);
    expect(readProcessEnvironment({}, dir).problems).toEqual([
      expect.stringMatching(new RegExp(`^${path}: cannot read ${path} \\(EISDIR\\)`)),
    ]);
  });
});

describe('gatehouse start --dev', () => {
  it('writes .env with PLATFORM_ENV=dev, readable by its owner only, when nothing sets PLATFORM_ENV', () => {
    expect(prepareDevelopmentMode({}, dir)).toEqual({ created: join(dir, '.env') });
    expect(readFileSync(join(dir, '.env'), 'utf8')).toMatch(/^PLATFORM_ENV=dev$/m);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    expect(readProcessEnvironment({}, dir).env.PLATFORM_ENV).toBe('dev');
    // The next time, it is there.
    expect(prepareDevelopmentMode({}, dir)).toEqual({ created: undefined });
  });

  it('writes nothing when the environment selects dev mode', () => {
    expect(prepareDevelopmentMode({ PLATFORM_ENV: 'dev' }, dir)).toEqual({ created: undefined });
    expect(() => statSync(join(dir, '.env'))).toThrow('ENOENT');
  });

  it('refuses a .env that selects production mode, naming it', () => {
    writeFileSync(join(dir, '.env'), 'PLATFORM_ENV=production\n');
    expect(prepareDevelopmentMode({}, dir).problem).toBe(
      `gatehouse start --dev: PLATFORM_ENV=production in ${join(dir, '.env')} selects production mode; only PLATFORM_ENV=dev is development mode`,
    );
  });

  it('refuses a file named by GATEHOUSE_ENV_FILE that leaves PLATFORM_ENV unset, and writes no .env', () => {
    writeFileSync(join(dir, 'other.env'), 'PORT=4000\n');
    expect(prepareDevelopmentMode({ GATEHOUSE_ENV_FILE: 'other.env' }, dir).problem).toMatch(
      new RegExp(`^gatehouse start --dev: ${join(dir, 'other.env')} does not set PLATFORM_ENV`),
    );
    expect(() => statSync(join(dir, '.env'))).toThrow('ENOENT');
  });
});
