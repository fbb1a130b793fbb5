#!/usr/bin/env node
// npm run bench:budget: what a first verification costs in one process, piece by piece, set
// against what the targets of `npm run bench` leave for it. In-process figures are a lower bound
// of the server's (warm caches, no HTTP request around them, far less garbage), so a piece that
// alone exceeds its allowance here exceeds it in the server too.
//
// For each algorithm, on distinct Gatehouse-shaped access tokens (more than the verified-token
// cache holds, so every one is a miss):
// - the raw signature check (node:crypto, nothing decoded);
// - jsonwebtoken's verify (what passport-jwt calls) with the same options as the strategy;
// - Gatehouse's own AccessTokenVerifier.verify (the production build: key look-up, signature
//   pre-check, the passport-jwt strategy, the claim checks, the cache's insertion and eviction);
// - the same for forged tokens (a real header and payload, a random signature).
// Then, from bench/results/latest-<algorithm>.json (a run of `npm run bench`), the server CPU
// per request of `public` and `guarded` (a cached token), and what a first verification or a
// refusal may cost for `guarded-distinct` and `rejected` to meet their targets.
import 'reflect-metadata';
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, randomUUID, sign, timingSafeEqual, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const jwt = require('jsonwebtoken');
const { values: flags } = parseArgs({
  options: {
    tokens: { type: 'string', default: '20000' },
    repeats: { type: 'string', default: '5' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`Usage: npm run bench:budget -- [options]
  --tokens N    distinct tokens per algorithm (default 20000, twice the verified-token cache)
  --repeats N   passes over them; the median pass is reported (default 5)
Reads bench/results/latest-<algorithm>.json, when there, for the allowances.
`);
  process.exit(0);
}
const tokenCount = Number(flags.tokens);
const repeats = Number(flags.repeats);

const dist = (path) => import(join(root, 'dist', path));
const { AccessTokenVerifier, VERIFIED_TOKEN_CACHE_SIZE } = await dist('libs/auth/src/tokens/access-token-verifier.js');
const { JwtAccessStrategy } = await dist('libs/auth/src/tokens/jwt-access.strategy.js');
const { CLOCK_SKEW_SECONDS } = await dist('libs/auth/src/tokens/token-claims.js');
if (tokenCount <= VERIFIED_TOKEN_CACHE_SIZE)
  throw new Error(`--tokens must exceed the cache (${VERIFIED_TOKEN_CACHE_SIZE}): every token must be a miss`);

const issuer = 'gatehouse-bench';
const lifetime = 900;
const keysOf = {
  HS256: () => {
    const secret = createSecretKey(randomBytes(64));
    return { signing: secret, verifying: secret };
  },
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  EdDSA: () => generateKeyPairSync('ed25519'),
};
/** The raw signature check of each algorithm, as the JWS spec defines it (node:crypto). */
const rawCheck = {
  HS256: (input, signature, key) => timingSafeEqual(createHmac('sha256', key).update(input).digest(), signature),
  RS256: (input, signature, key) => verify('sha256', input, key, signature),
  ES256: (input, signature, key) => verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature),
  EdDSA: (input, signature, key) => verify(null, input, key, signature),
};

function tokensFor(algorithm, keys, kid) {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: algorithm, typ: 'at+jwt', kid })).toString('base64url');
  return Array.from({ length: tokenCount }, () => {
    const claims = { iss: issuer, aud: ['api'], sub: randomUUID(), sid: randomUUID(), jti: randomUUID(), iat: now, exp: now + lifetime };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature =
      algorithm === 'HS256'
        ? createHmac('sha256', keys.signing).update(input).digest()
        : sign(
            algorithm === 'EdDSA' ? null : 'sha256',
            Buffer.from(input),
            algorithm === 'ES256' ? { key: keys.privateKey, dsaEncoding: 'ieee-p1363' } : keys.privateKey,
          );
    return `${input}.${signature.toString('base64url')}`;
  });
}

/** Microseconds per call, the median of `repeats` passes over all the tokens. */
async function perCall(tokens, call) {
  const passes = [];
  for (let pass = 0; pass <= repeats; pass++) {
    const started = performance.now();
    for (const token of tokens) {
      const outcome = call(token);
      if (outcome instanceof Promise) await outcome;
    }
    // The first pass warms up.
    if (pass > 0) passes.push(((performance.now() - started) * 1000) / tokens.length);
  }
  passes.sort((a, b) => a - b);
  return passes[Math.floor(passes.length / 2)];
}

function latestRun(algorithm) {
  const file = join(root, 'bench', 'results', `latest-${algorithm.toLowerCase()}.json`);
  if (!existsSync(file)) return undefined;
  const { scenarios: results } = JSON.parse(readFileSync(file, 'utf8'));
  const cpu = (name) => (results[name]?.serverCpuSeconds ? (results[name].serverCpuSeconds * 1e6) / results[name].total : undefined);
  return { public: cpu('public'), guarded: cpu('guarded'), distinct: cpu('guarded-distinct'), rejected: cpu('rejected') };
}

const rows = [];
for (const algorithm of ['HS256', 'RS256', 'ES256', 'EdDSA']) {
  const keys = keysOf[algorithm]();
  const verifying = keys.verifying ?? keys.publicKey;
  const kid = `${algorithm.toLowerCase()}-bench`;
  process.stderr.write(`${algorithm}: signing ${tokenCount} tokens...\n`);
  const tokens = tokensFor(algorithm, keys, kid);
  const forged = tokens.map((token) => {
    const cut = token.lastIndexOf('.');
    return `${token.slice(0, cut)}.${randomBytes(Buffer.from(token.slice(cut + 1), 'base64url').length).toString('base64url')}`;
  });
  const key = { kid, algorithm, key: verifying };
  const provider = {
    verificationKey: (wanted) => (wanted === kid ? key : undefined),
    lookUpVerificationKey: async () => undefined,
    hs256AccessTokensIssuedBy: () => undefined,
  };
  const security = { issuer, accessTokenExpiration: lifetime };
  const verifier = new AccessTokenVerifier(provider, new JwtAccessStrategy(provider, security), security);
  const verified = await verifier.verify(tokens[0]);
  if (typeof verified === 'string') throw new Error(`${algorithm}: Gatehouse refused the bench's token (${verified})`);
  if ((await verifier.verify(forged[0])) !== 'invalid') throw new Error(`${algorithm}: Gatehouse did not refuse a forged token`);

  const split = (token) => {
    const cut = token.lastIndexOf('.');
    return [Buffer.from(token.slice(0, cut)), Buffer.from(token.slice(cut + 1), 'base64url')];
  };
  const row = { algorithm };
  const parts = tokens.map(split);
  let at = 0;
  row.raw = await perCall(tokens, () => {
    if (!rawCheck[algorithm](...parts[at++ % parts.length], verifying)) throw new Error(`${algorithm}: the raw check refused a token`);
  });
  if (algorithm !== 'EdDSA') {
    const options = { algorithms: [algorithm], complete: true, clockTolerance: CLOCK_SKEW_SECONDS };
    row.jsonwebtoken = await perCall(tokens, (token) => jwt.verify(token, verifying, options));
    row.jsonwebtokenForged = await perCall(forged, (token) => {
      try {
        jwt.verify(token, verifying, options);
      } catch {
        return;
      }
      throw new Error('jsonwebtoken accepted a forged token');
    });
  }
  row.gatehouse = await perCall(tokens, (token) => verifier.verify(token));
  row.gatehouseForged = await perCall(forged, (token) => verifier.verify(token));
  row.server = latestRun(algorithm);
  rows.push(row);
}

const us = (value) => (value === undefined ? '–' : `${value.toFixed(1)} µs`);
const lines = [
  `In-process costs on distinct tokens (median of ${repeats} passes over ${tokenCount}; Node ${process.version}):`,
  '',
  '| algorithm | raw signature check | jsonwebtoken verify | jsonwebtoken, forged | Gatehouse first verification | Gatehouse, forged |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.algorithm} | ${us(r.raw)} | ${us(r.jsonwebtoken)} | ${us(r.jsonwebtokenForged)} | ${us(r.gatehouse)} | ${us(r.gatehouseForged)} |`,
  ),
  '',
  'Wall time of one call at a time. EdDSA tokens are verified with jose, whose WebCrypto check Node runs on its thread pool:',
  'that column includes the hand-over; jsonwebtoken has no EdDSA. A forged EdDSA signature is mostly refused before the curve',
  'arithmetic (a random S is seldom below the group order).',
  '',
];
const measured = rows.filter((r) => r.server?.public !== undefined && r.server?.guarded !== undefined);
if (measured.length > 0) {
  lines.push(
    'What the targets leave, from the latest `npm run bench` of each algorithm (server CPU per request). A first',
    'verification may cost what guarded-distinct may cost above a cached token (guarded); a refusal, what rejected may',
    'cost above public. "over" marks an allowance that the in-process cost of the named piece alone exceeds:',
    '',
    '| algorithm | public | guarded | guarded-distinct target | allowance for a first verification | spent in the server | raw check alone | jsonwebtoken alone | rejected target | allowance for a refusal | spent in the server |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const against = (cost, allowance) => (cost === undefined ? '–' : cost > allowance ? 'over' : 'within');
  for (const r of measured) {
    const { distinct, rejected } = r.algorithm === 'HS256' ? { distinct: 0.75, rejected: 0.8 } : { distinct: 0.6, rejected: 0.5 };
    const s = r.server;
    const firstAllowance = s.public / distinct - s.guarded;
    const refusalAllowance = s.public / rejected - s.public;
    lines.push(
      `| ${r.algorithm} | ${us(s.public)} | ${us(s.guarded)} | ${distinct} | ${us(firstAllowance)} | ${us(s.distinct - s.guarded)} | ${against(r.raw, firstAllowance)} | ${against(r.jsonwebtoken, firstAllowance)} | ${rejected} | ${us(refusalAllowance)} | ${us(s.rejected - s.public)} |`,
    );
  }
} else {
  lines.push('(No bench/results/latest-<algorithm>.json: run `npm run bench` first for the allowances.)');
}
process.stdout.write(`${lines.join('\n')}\n`);
