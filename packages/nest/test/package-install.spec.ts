// The kit as a workspace app gets it: `npm pack` makes the tarball, which is installed into a
// fresh NestJS project in the run's scratch area (next to nothing of this repository), compiled
// there with tsc and started, and its guarded route answers as the README says.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { accessToken, ISSUER, SECRET } from './support/tokens.js';

const run = promisify(execFile);
const kitDir = fileURLToPath(new URL('..', import.meta.url));

/** npm and node as a developer's shell runs them: without Jest's NODE_OPTIONS. */
function environment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

const MAIN_TS = `declare const process: { env: Record<string, string> };
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Audiences, CurrentPrincipal, GatehouseModule, Public, type GatehousePrincipal } from '@gatehouse/nest';

@Controller()
class AppController {
  @Public()
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Audiences('api')
  @Get('api/profile')
  profile(@CurrentPrincipal() principal: GatehousePrincipal) {
    return { subject: principal.subject, kind: principal.kind, audiences: principal.audiences };
  }
}

@Module({
  imports: [GatehouseModule.forRoot({ issuer: process.env.GATEHOUSE_ISSUER, secret: process.env.GATEHOUSE_SECRET })],
  controllers: [AppController],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error'] });
await app.listen(0, '127.0.0.1');
console.log('listening on ' + (await app.getUrl()));
`;

describe('the kit installed from its tarball into a scratch NestJS project', () => {
  let workspace: string;
  let server: ChildProcess | undefined;

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'gatehouse-kit-install-'));
  });
  afterAll(() => {
    server?.kill('SIGTERM');
    rmSync(workspace, { recursive: true, force: true });
  });

  it('packs, installs, compiles and guards a route', async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workspace], {
      cwd: kitDir,
      env: environment(),
      maxBuffer: 16 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = packed.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/client/gatehouse-client.js']),
    );
    expect(files.filter((path) => path.startsWith('test/') || path.endsWith('.spec.ts'))).toEqual([]);

    const project = join(workspace, 'app');
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch-workspace-app', private: true, type: 'module' }));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          strict: true,
          skipLibCheck: true,
          types: [],
          outDir: 'dist',
          rootDir: 'src',
        },
      }),
    );
    writeFileSync(join(project, 'src', 'main.ts'), MAIN_TS);
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(workspace, packed.filename),
        '@nestjs/common@^12.5.1',
        '@nestjs/core@^12.5.1',
        '@nestjs/platform-express@^12.5.1',
        'reflect-metadata@^0.2.2',
        'rxjs@^7.8.2',
        'typescript@~6.0.3',
      ],
      { cwd: project, env: environment(), maxBuffer: 64 * 1024 * 1024 },
    );
    expect(readdirSync(join(project, 'node_modules', '@gatehouse'))).toEqual(['nest']);
    await run(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
      cwd: project,
      env: environment(),
    });

    const child = spawn(process.execPath, [join(project, 'dist', 'main.js')], {
      cwd: project,
      env: { ...environment(), GATEHOUSE_ISSUER: ISSUER, GATEHOUSE_SECRET: SECRET },
    });
    server = child;
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The scratch app did not start: ${output}`)), 30_000);
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1].replace('[::1]', '127.0.0.1'));
        }
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('exit', (code) => reject(new Error(`The scratch app exited with ${code}: ${output}`)));
    });

    expect((await fetch(`${url}/health`)).status).toBe(200);
    const refused = await fetch(`${url}/api/profile`);
    expect([refused.status, refused.headers.get('www-authenticate'), await refused.json()]).toEqual([
      401,
      'Bearer realm="gatehouse"',
      { statusCode: 401, error: 'Unauthorized', message: 'Missing Authorization header' },
    ]);
    const token = await accessToken({ claims: { sub: 'user-42', aud: ['api'] } });
    const admitted = await fetch(`${url}/api/profile`, { headers: { authorization: `Bearer ${token}` } });
    expect([admitted.status, await admitted.json()]).toEqual([200, { subject: 'user-42', kind: 'user', audiences: ['api'] }]);
    const webToken = await accessToken({ claims: { aud: ['web'] } });
    const wrongSurface = await fetch(`${url}/api/profile`, { headers: { authorization: `Bearer ${webToken}` } });
    expect([wrongSurface.status, await wrongSurface.json()]).toEqual([
      403,
      { statusCode: 403, error: 'Forbidden', message: 'Invalid audience: this route accepts api' },
    ]);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    server = undefined;
  }, 300_000);
});
