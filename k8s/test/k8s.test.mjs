// Offline checks of the Kubernetes manifests: render each kustomization, validate every object
// against the kubernetes-models schemas (unknown fields included), and apply the policy rules.
// Every policy rule has a negative test below that breaks a copy of the rendered objects and
// expects exactly that rule to fire, so a rule that silently stopped working fails the suite.
//
// Why Node and not a JUnit test with fabric8's model: it keeps the Java build free of a
// Kubernetes client it does not otherwise need, and this suite runs without Maven.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render, parseObjects } from './lib/render.mjs';
import { schemaProblems } from './lib/schema.mjs';
import { policyViolations } from './lib/policy.mjs';

const k8s = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KUSTOMIZATIONS = {
  default: k8s,
  'managed-redis overlay': resolve(k8s, 'overlays/managed-redis'),
};

const rendered = Object.fromEntries(Object.entries(KUSTOMIZATIONS).map(([label, dir]) => [label, render(dir)]));
const base = rendered.default;

function kinds(objects) {
  return objects.map((o) => o.kind).sort();
}

for (const [label, objects] of Object.entries(rendered)) {
  describe(`the ${label} kustomization`, () => {
    test('renders', () => {
      assert.ok(objects.length > 0);
      for (const kind of ['Namespace', 'ConfigMap', 'Deployment', 'Service', 'Ingress', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
        assert.ok(kinds(objects).includes(kind), `${kind} is missing`);
      }
    });

    test('puts every namespaced object in the meetings namespace', () => {
      for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
        assert.equal(object.metadata.namespace, 'meetings', `${object.kind}/${object.metadata.name}`);
      }
    });

    test('validates against the kubernetes-models schemas, without unknown fields', async () => {
      assert.deepEqual(await schemaProblems(objects), []);
    });

    test('complies with the deployment policy', () => {
      assert.deepEqual(policyViolations(objects), []);
    });
  });
}

test('the default deployment runs Redis in the cluster, the managed-redis overlay does not', () => {
  assert.ok(kinds(base).includes('StatefulSet'));
  assert.ok(kinds(base).includes('NetworkPolicy'));
  assert.ok(!kinds(rendered['managed-redis overlay']).includes('StatefulSet'));
  const config = rendered['managed-redis overlay'].find((o) => o.kind === 'ConfigMap');
  assert.match(config.data.REDIS_URL, /^rediss?:\/\//);
  assert.notEqual(config.data.REDIS_URL, base.find((o) => o.kind === 'ConfigMap').data.REDIS_URL);
});

test('the Secret template is a valid Secret and is not rendered', async () => {
  const objects = parseObjects(readFileSync(resolve(k8s, 'base/secret.example.yaml'), 'utf8'));
  assert.equal(objects.length, 1);
  assert.deepEqual(await schemaProblems(objects), []);
  for (const manifests of Object.values(rendered)) {
    assert.ok(!manifests.some((o) => o.kind === 'Secret'), 'no Secret may be rendered from the repository');
  }
});

test('the NetworkPolicy lets only the signaling pods reach Redis on 6379', () => {
  const policy = base.find((o) => o.kind === 'NetworkPolicy');
  const redis = base.find((o) => o.kind === 'StatefulSet');
  const node = base.find((o) => o.kind === 'Deployment');
  assert.deepEqual(policy.spec.podSelector.matchLabels, redis.spec.selector.matchLabels);
  assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
  assert.equal(policy.spec.ingress.length, 1);
  const [rule] = policy.spec.ingress;
  assert.deepEqual(rule.from, [{ podSelector: { matchLabels: node.spec.selector.matchLabels } }]);
  assert.deepEqual(rule.ports, [{ protocol: 'TCP', port: 6379 }]);
});

test('the Ingress passes a refused new session (503: draining or overloaded) on to another pod', () => {
  const annotations = base.find((o) => o.kind === 'Ingress').metadata.annotations;
  const next = annotations['nginx.ingress.kubernetes.io/proxy-next-upstream'].split(/\s+/);
  assert.ok(next.includes('http_503'), next.join(' '));
  assert.ok(!next.includes('non_idempotent'), 'only idempotent requests may be sent twice');
  assert.ok(Number(annotations['nginx.ingress.kubernetes.io/proxy-next-upstream-tries']) >= 2);
});

// ---- negative tests: each breaks one rule in a copy and expects that rule to fire ------------

function mutated(change) {
  const objects = structuredClone(base);
  const find = (kind) => objects.find((o) => o.kind === kind);
  change({
    objects,
    deployment: find('Deployment'),
    node: find('Deployment').spec.template.spec.containers[0],
    redis: find('StatefulSet'),
    configMap: find('ConfigMap'),
    service: objects.find((o) => o.kind === 'Service' && o.metadata.name === 'signaling-node'),
    pdb: find('PodDisruptionBudget'),
    hpa: find('HorizontalPodAutoscaler'),
  });
  return objects;
}

function assertViolation(objects, pattern) {
  const violations = policyViolations(objects);
  assert.ok(
    violations.some((v) => pattern.test(v)),
    `expected a violation matching ${pattern}, got ${JSON.stringify(violations, null, 2)}`,
  );
}

describe('the policy fails when', () => {
  const cases = [
    ['the liveness probe is missing', ({ node }) => delete node.livenessProbe, /has no livenessProbe/],
    ['the readiness probe is missing', ({ node }) => delete node.readinessProbe, /has no readinessProbe/],
    ['the startup probe is missing', ({ node }) => delete node.startupProbe, /has no startupProbe/],
    ["Redis' probes are missing", ({ redis }) => delete redis.spec.template.spec.containers[0].readinessProbe, /signaling-redis container redis has no readinessProbe/],
    ['liveness hits the Redis-dependent /readyz', ({ node }) => { node.livenessProbe.httpGet.path = '/readyz'; }, /livenessProbe must be GET \/healthz/],
    ['liveness hits the public port', ({ node }) => { node.livenessProbe.httpGet.port = 'http'; }, /livenessProbe must be GET \/healthz on the management port/],
    ['the startup probe waits for Redis', ({ node }) => { node.startupProbe.httpGet.path = '/readyz'; }, /startupProbe must be GET \/healthz/],
    ['readiness ignores draining', ({ node }) => { node.readinessProbe.httpGet.path = '/healthz'; }, /readinessProbe must be GET \/readyz/],
    ['the grace period equals preStop + DRAIN_SECONDS', ({ deployment }) => { deployment.spec.template.spec.terminationGracePeriodSeconds = 25; }, /terminationGracePeriodSeconds 25 must exceed preStop 5 s \+ DRAIN_SECONDS 20 s/],
    ['the grace period is left at the default 30 s with a 40 s drain', ({ deployment, configMap }) => {
      delete deployment.spec.template.spec.terminationGracePeriodSeconds;
      configMap.data.DRAIN_SECONDS = '40s';
    }, /terminationGracePeriodSeconds 30 must exceed/],
    ['DRAIN_SECONDS grows in the ConfigMap', ({ configMap }) => { configMap.data.DRAIN_SECONDS = '36'; }, /terminationGracePeriodSeconds 40 must exceed preStop 5 s \+ DRAIN_SECONDS 36 s/],
    ['DRAIN_SECONDS is overridden in env', ({ node }) => { node.env.push({ name: 'DRAIN_SECONDS', value: '1m' }); }, /DRAIN_SECONDS 60 s/],
    ['the preStop sleep grows', ({ node }) => { node.lifecycle.preStop.exec.command = ['sleep', '30']; }, /preStop 30 s/],
    ['the preStop hook is missing', ({ node }) => delete node.lifecycle, /has no preStop sleep/],
    ['the ConfigMap reference is broken', ({ node }) => { node.envFrom[0].configMapRef.name = 'nope'; }, /references ConfigMap nope/],
    ['the Deployment selector does not match the pod labels', ({ deployment }) => { deployment.spec.selector.matchLabels['app.kubernetes.io/name'] = 'other'; }, /Deployment\/signaling-node selector does not match/],
    ['a pod label the selector needs is removed', ({ deployment }) => { delete deployment.spec.template.metadata.labels['app.kubernetes.io/component']; }, /Deployment\/signaling-node selector does not match/],
    ['the StatefulSet selector does not match the pod labels', ({ redis }) => { redis.spec.selector.matchLabels['app.kubernetes.io/component'] = 'cache'; }, /StatefulSet\/signaling-redis selector does not match/],
    ['the Service selector matches no pods', ({ service }) => { service.spec.selector['app.kubernetes.io/name'] = 'signalling-node'; }, /Service\/signaling-node selector .* selects no pods/],
    ['the Service has no selector', ({ service }) => delete service.spec.selector, /Service\/signaling-node has no selector/],
    ['the Service targets a port the pods do not expose', ({ service }) => { service.spec.ports[1].targetPort = 'metrics'; }, /targets metrics, which no selected container exposes/],
    ['the PodDisruptionBudget covers no pods', ({ pdb }) => { pdb.spec.selector.matchLabels['app.kubernetes.io/component'] = 'x'; }, /PodDisruptionBudget\/signaling-node selector matches no/],
    ['the autoscaler targets a missing Deployment', ({ hpa }) => { hpa.spec.scaleTargetRef.name = 'signaling'; }, /scales Deployment\/signaling, which is not rendered/],
    ['the rolling update may take pods away first', ({ deployment }) => { deployment.spec.strategy.rollingUpdate.maxUnavailable = 1; }, /maxUnavailable 0/],
    ['runAsNonRoot is dropped from pod and container', ({ deployment, node }) => {
      delete deployment.spec.template.spec.securityContext.runAsNonRoot;
      delete node.securityContext.runAsNonRoot;
    }, /may run as root: runAsNonRoot is not true/],
    ['the container asks for uid 0', ({ node }) => { node.securityContext.runAsUser = 0; }, /runs as root: runAsUser is 0/],
    ['Redis may run as root', ({ redis }) => {
      delete redis.spec.template.spec.securityContext.runAsNonRoot;
      delete redis.spec.template.spec.containers[0].securityContext.runAsNonRoot;
    }, /signaling-redis container redis may run as root/],
    ['privilege escalation is allowed', ({ node }) => { node.securityContext.allowPrivilegeEscalation = true; }, /allowPrivilegeEscalation is not false/],
    ['the container is privileged', ({ node }) => { node.securityContext.privileged = true; }, /is privileged/],
    ['capabilities are kept', ({ node }) => { node.securityContext.capabilities.drop = ['NET_RAW']; }, /capabilities.drop lacks ALL/],
    ['the root filesystem is writable', ({ node }) => { node.securityContext.readOnlyRootFilesystem = false; }, /readOnlyRootFilesystem is not true/],
    ['an image floats on :latest', ({ redis }) => { redis.spec.template.spec.containers[0].image = 'redis:latest'; }, /image redis:latest is not pinned/],
    ['an image has no tag', ({ node }) => { node.image = 'registry.example.com:5000/signaling-node'; }, /is not pinned/],
    ['the nodes do not trust X-Forwarded-For', ({ configMap }) => { configMap.data.TRUST_PROXY = 'false'; }, /TRUST_PROXY is false/],
    ['the per-IP limit is missing', ({ configMap }) => { delete configMap.data.MAX_CONNECTIONS_PER_IP; }, /MAX_CONNECTIONS_PER_IP is unset/],
    ['the per-IP limit is not a number', ({ node }) => { node.env.push({ name: 'MAX_CONNECTIONS_PER_IP', value: 'lots' }); }, /MAX_CONNECTIONS_PER_IP is lots/],
    ['CORS_ORIGINS is dropped', ({ configMap }) => { delete configMap.data.CORS_ORIGINS; }, /CORS_ORIGINS is empty/],
    ['the management port binds loopback (probes would fail)', ({ configMap }) => { delete configMap.data.MANAGEMENT_HOST; }, /MANAGEMENT_HOST is unset/],
    ['MANAGEMENT_HOST is overridden with 127.0.0.1 in env', ({ node }) => { node.env.push({ name: 'MANAGEMENT_HOST', value: '127.0.0.1' }); }, /MANAGEMENT_HOST is 127.0.0.1/],
    ['the Service is a LoadBalancer with the management port', ({ service }) => { service.spec.type = 'LoadBalancer'; }, /Service\/signaling-node of type LoadBalancer exposes the management port \(management\)/],
    ['a NodePort Service targets the management port by number', ({ service }) => {
      service.spec.type = 'NodePort';
      service.spec.ports = [{ name: 'm', port: 80, targetPort: 9091 }];
    }, /of type NodePort exposes the management port \(m\)/],
    ['the Ingress routes /metrics to the management port', ({ objects }) => {
      const ingress = objects.find((o) => o.kind === 'Ingress');
      ingress.spec.rules[0].http.paths.push({ path: '/metrics', pathType: 'Prefix', backend: { service: { name: 'signaling-node', port: { name: 'management' } } } });
    }, /Ingress\/signaling-node routes to the management port of Service\/signaling-node/],
    ['the Ingress routes to the management port by number', ({ objects }) => {
      const ingress = objects.find((o) => o.kind === 'Ingress');
      ingress.spec.rules[0].http.paths[0].backend.service.port = { number: 9091 };
    }, /routes to the management port/],
  ];
  for (const [title, change, pattern] of cases) {
    test(title, () => assertViolation(mutated(change), pattern));
  }
});

describe('the schema check fails when', () => {
  const cases = [
    ['a probe field is misspelt', ({ node }) => { node.livenesProbe = node.livenessProbe; delete node.livenessProbe; }, /unknown field \/spec\/template\/spec\/containers\/0\/livenesProbe/],
    ['the Deployment spec has an unknown field', ({ deployment }) => { deployment.spec.replica = 3; }, /unknown field \/spec\/replica$/],
    ['a Service port has an unknown field', ({ service }) => { service.spec.ports[0].target = 3001; }, /unknown field \/spec\/ports\/0\/target$/],
    ['a top-level field is unknown', ({ configMap }) => { configMap.date = {}; }, /unknown field \/date$/],
    ['a field has the wrong type', ({ node }) => { node.ports[0].containerPort = 'http'; }, /containerPort must be integer/],
    ['a required field is missing', ({ deployment }) => { delete deployment.spec.selector; }, /must have required property selector/],
  ];
  for (const [title, change, pattern] of cases) {
    test(title, async () => {
      const problems = await schemaProblems(mutated(change));
      assert.ok(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got ${JSON.stringify(problems, null, 2)}`);
    });
  }

  test('labels and annotations still accept any key (maps are not mistaken for unknown fields)', async () => {
    const objects = mutated(({ deployment }) => {
      deployment.metadata.labels['example.com/team'] = 'meetings';
      deployment.spec.template.metadata.annotations['example.com/note'] = 'x';
    });
    assert.deepEqual(await schemaProblems(objects), []);
  });
});
