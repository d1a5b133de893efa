// The deployment rules that a schema cannot express, checked on rendered manifests. Each rule is
// proven to fire by a negative test in policy.test.mjs that breaks a copy of the rendered objects.
//
// policyViolations(objects) returns one message per broken rule; an empty list means compliant.

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
/** What Kubernetes assumes when terminationGracePeriodSeconds is not set. */
const DEFAULT_GRACE_SECONDS = 30;
/** The node's default when DRAIN_SECONDS is not set (NodeConfig.DEFAULT_DRAIN). */
const DEFAULT_DRAIN_SECONDS = 20;
/** The management port's name; a workload exposing it is a signaling node. */
const MANAGEMENT_PORT_NAME = 'management';
/** Liveness must not depend on Redis: only this path qualifies. */
const LIVENESS_PATH = '/healthz';
const READINESS_PATH = '/readyz';
/** Addresses that the kubelet's probes (pod IP) reach; the node's own default 127.0.0.1 is not one. */
const ALL_INTERFACES = new Set(['0.0.0.0', '::', '[::]']);

function name(object) {
  return `${object.kind}/${object.metadata?.name ?? '?'}`;
}

function namespaceOf(object) {
  return object.metadata?.namespace ?? 'default';
}

/** Whether a LabelSelector ({matchLabels, matchExpressions}) selects `labels`. */
export function selectorMatches(selector, labels = {}) {
  if (!selector) return false;
  const matchLabels = selector.matchLabels ?? {};
  const expressions = selector.matchExpressions ?? [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of expressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    if (operator === 'In' && !(has && values.includes(labels[key]))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key])) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** A Service's plain map selector. */
function mapSelects(selector, labels = {}) {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** Seconds of a duration as the node parses it: "20", "20s", "500ms", "2m". */
export function durationSeconds(text) {
  const value = String(text).trim().toLowerCase();
  const match = /^(\d+)(ms|s|m)?$/.exec(value);
  if (!match) return NaN;
  const amount = Number(match[1]);
  if (match[2] === 'ms') return amount / 1000;
  if (match[2] === 'm') return amount * 60;
  return amount;
}

/** Seconds the preStop hook waits: lifecycle.preStop.sleep, or an exec `sleep N`; 0 without one. */
export function preStopSeconds(container) {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep?.seconds !== undefined) return Number(preStop.sleep.seconds);
  const command = (preStop.exec?.command ?? []).join(' ');
  const match = /(?:^|[\s/;&])sleep\s+(\d+(?:\.\d+)?)/.exec(command);
  return match ? Number(match[1]) : 0;
}

/**
 * The value of environment variable `key` in `container` as Kubernetes would set it: `env` wins
 * over `envFrom`, and a later envFrom source wins over an earlier one. ConfigMaps are looked up in
 * `objects`; Secrets are not visible here (undefined unless a ConfigMap or env sets the key).
 * Returns { value, problems }.
 */
export function resolveEnv(container, key, objects, namespace) {
  const problems = [];
  const direct = (container.env ?? []).find((entry) => entry.name === key);
  if (direct && direct.value !== undefined) return { value: direct.value, problems };
  let value;
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef;
    if (!ref) continue;
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata?.name === ref.name && namespaceOf(o) === namespace,
    );
    if (!configMap) {
      if (!ref.optional) problems.push(`envFrom references ConfigMap ${ref.name}, which is not rendered`);
      continue;
    }
    const prefixed = `${source.prefix ?? ''}`;
    for (const [dataKey, dataValue] of Object.entries(configMap.data ?? {})) {
      if (`${prefixed}${dataKey}` === key) value = dataValue;
    }
  }
  return { value, problems };
}

function managementPort(container) {
  return (container.ports ?? []).find((port) => port.name === MANAGEMENT_PORT_NAME);
}

function probeHitsManagement(probe, port) {
  const target = probe?.httpGet?.port;
  return target === port.name || target === port.containerPort;
}

function workloads(objects) {
  return objects.filter((o) => WORKLOAD_KINDS.has(o.kind) && o.spec?.template);
}

function containersOf(workload) {
  const spec = workload.spec.template.spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

function checkSecurity(workload, violations) {
  const podSecurity = workload.spec.template.spec?.securityContext ?? {};
  for (const container of containersOf(workload)) {
    const where = `${name(workload)} container ${container.name}`;
    const security = container.securityContext ?? {};
    const nonRoot = security.runAsNonRoot ?? podSecurity.runAsNonRoot;
    const user = security.runAsUser ?? podSecurity.runAsUser;
    if (nonRoot !== true) violations.push(`${where} may run as root: runAsNonRoot is not true`);
    if (user === 0) violations.push(`${where} runs as root: runAsUser is 0`);
    if (security.privileged === true) violations.push(`${where} is privileged`);
    if (security.allowPrivilegeEscalation !== false) {
      violations.push(`${where} may gain root: allowPrivilegeEscalation is not false`);
    }
    if (!(security.capabilities?.drop ?? []).includes('ALL')) {
      violations.push(`${where} keeps Linux capabilities: capabilities.drop lacks ALL`);
    }
    if (security.readOnlyRootFilesystem !== true) {
      violations.push(`${where} has a writable root filesystem: readOnlyRootFilesystem is not true`);
    }
    const image = container.image ?? '';
    const lastPart = image.split('/').pop();
    if (!image.includes('@') && (!lastPart.includes(':') || lastPart.endsWith(':latest'))) {
      violations.push(`${where} image ${image || '(none)'} is not pinned to a version tag or digest`);
    }
  }
}

function checkProbes(workload, violations) {
  for (const container of workload.spec.template.spec?.containers ?? []) {
    const where = `${name(workload)} container ${container.name}`;
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (!container[probe]) violations.push(`${where} has no ${probe}`);
    }
  }
}

function checkSignalingNode(workload, objects, violations) {
  const podSpec = workload.spec.template.spec ?? {};
  for (const container of podSpec.containers ?? []) {
    const port = managementPort(container);
    if (!port) continue;
    const where = `${name(workload)} container ${container.name}`;
    const { livenessProbe: liveness, readinessProbe: readiness, startupProbe: startup } = container;
    if (liveness && (liveness.httpGet?.path !== LIVENESS_PATH || !probeHitsManagement(liveness, port))) {
      violations.push(
        `${where} livenessProbe must be GET ${LIVENESS_PATH} on the management port (a Redis-independent path), `
          + `not ${JSON.stringify(liveness.httpGet ?? liveness)}`,
      );
    }
    if (startup && (startup.httpGet?.path !== LIVENESS_PATH || !probeHitsManagement(startup, port))) {
      violations.push(`${where} startupProbe must be GET ${LIVENESS_PATH} on the management port`);
    }
    if (readiness && (readiness.httpGet?.path !== READINESS_PATH || !probeHitsManagement(readiness, port))) {
      violations.push(`${where} readinessProbe must be GET ${READINESS_PATH} on the management port`);
    }

    const managementHost = resolveEnv(container, 'MANAGEMENT_HOST', objects, namespaceOf(workload));
    managementHost.problems.forEach((problem) => violations.push(`${where} ${problem}`));
    if (!ALL_INTERFACES.has(managementHost.value)) {
      violations.push(
        `${where} MANAGEMENT_HOST is ${managementHost.value ?? 'unset (the node binds 127.0.0.1)'}: `
          + 'the probes and Prometheus reach the pod IP, so it must be 0.0.0.0 or ::',
      );
    }

    // Behind the Ingress every connection comes from ingress-nginx: per-client limits need X-Forwarded-For.
    const env = (key) => resolveEnv(container, key, objects, namespaceOf(workload)).value;
    if (env('TRUST_PROXY') !== 'true') {
      violations.push(`${where} TRUST_PROXY is ${env('TRUST_PROXY') ?? 'unset'}: behind the Ingress every client would count as its address`);
    }
    if (!/^[1-9]\d*$/.test(env('MAX_CONNECTIONS_PER_IP') ?? '')) {
      violations.push(`${where} MAX_CONNECTIONS_PER_IP is ${env('MAX_CONNECTIONS_PER_IP') ?? 'unset'} (expected a positive number)`);
    }
    if (!(env('CORS_ORIGINS') ?? '').trim()) {
      violations.push(`${where} CORS_ORIGINS is empty: browsers on the web app's origin would be refused`);
    }

    const { value, problems } = resolveEnv(container, 'DRAIN_SECONDS', objects, namespaceOf(workload));
    problems.forEach((problem) => violations.push(`${where} ${problem}`));
    const drain = value === undefined ? DEFAULT_DRAIN_SECONDS : durationSeconds(value);
    if (Number.isNaN(drain)) violations.push(`${where} DRAIN_SECONDS is not a duration: ${value}`);
    const preStop = preStopSeconds(container);
    if (preStop === 0) violations.push(`${where} has no preStop sleep before the drain starts`);
    const grace = podSpec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    if (!(grace > preStop + drain)) {
      violations.push(
        `${name(workload)} terminationGracePeriodSeconds ${grace} must exceed preStop ${preStop} s `
          + `+ DRAIN_SECONDS ${drain} s, or the drain is cut off by SIGKILL`,
      );
    }
  }
  if (workload.kind === 'Deployment' && workload.spec.template.spec?.containers?.some(managementPort)) {
    const rolling = workload.spec.strategy?.rollingUpdate;
    if (workload.spec.strategy?.type === 'Recreate' || String(rolling?.maxUnavailable ?? '25%') !== '0') {
      violations.push(`${name(workload)} rolling update must keep maxUnavailable 0`);
    }
  }
}

function checkServices(objects, violations) {
  const pods = workloads(objects);
  for (const service of objects.filter((o) => o.kind === 'Service')) {
    if (service.spec?.type === 'ExternalName') continue;
    const selector = service.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) {
      violations.push(`${name(service)} has no selector`);
      continue;
    }
    const selected = pods.filter(
      (w) => namespaceOf(w) === namespaceOf(service) && mapSelects(selector, w.spec.template.metadata?.labels),
    );
    if (selected.length === 0) {
      violations.push(`${name(service)} selector ${JSON.stringify(selector)} selects no pods of any workload`);
      continue;
    }
    for (const port of service.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const exists = selected.some((w) => (w.spec.template.spec?.containers ?? []).some((c) => (c.ports ?? []).some(
        (p) => (typeof target === 'string' ? p.name === target : p.containerPort === target),
      )));
      if (!exists) violations.push(`${name(service)} port ${port.name ?? port.port} targets ${target}, which no selected container exposes`);
    }
  }
}

function checkSelectors(objects, violations) {
  for (const workload of workloads(objects)) {
    if (!selectorMatches(workload.spec.selector, workload.spec.template.metadata?.labels)) {
      violations.push(`${name(workload)} selector does not match its pod template labels`);
    }
  }
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const covered = workloads(objects).some(
      (w) => namespaceOf(w) === namespaceOf(pdb) && selectorMatches(pdb.spec?.selector, w.spec.template.metadata?.labels),
    );
    if (!covered) violations.push(`${name(pdb)} selector matches no workload's pods`);
  }
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const target = objects.find(
      (o) => o.kind === ref.kind && o.metadata?.name === ref.name && namespaceOf(o) === namespaceOf(hpa),
    );
    if (!target) violations.push(`${name(hpa)} scales ${ref.kind}/${ref.name}, which is not rendered`);
  }
}

/** The container port that `servicePort` of `service` targets in the selected pods, or undefined. */
function targetedContainerPort(service, servicePort, objects) {
  const target = servicePort.targetPort ?? servicePort.port;
  for (const workload of workloads(objects)) {
    if (namespaceOf(workload) !== namespaceOf(service)) continue;
    if (!mapSelects(service.spec?.selector, workload.spec.template.metadata?.labels)) continue;
    for (const container of workload.spec.template.spec?.containers ?? []) {
      const found = (container.ports ?? []).find(
        (p) => (typeof target === 'string' ? p.name === target : p.containerPort === target),
      );
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The management port (health, readiness, metrics) stays inside the cluster: a Service that reaches it is
 * ClusterIP, and no Ingress routes to it.
 */
function checkManagementExposure(objects, violations) {
  const services = objects.filter((o) => o.kind === 'Service');
  const isManagement = (service, port) => targetedContainerPort(service, port, objects)?.name === MANAGEMENT_PORT_NAME;
  for (const service of services) {
    const type = service.spec?.type ?? 'ClusterIP';
    if (type === 'ClusterIP' || type === 'ExternalName') continue;
    for (const port of service.spec?.ports ?? []) {
      if (isManagement(service, port)) {
        violations.push(`${name(service)} of type ${type} exposes the management port (${port.name ?? port.port}) outside the cluster`);
      }
    }
  }
  for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
    const backends = [ingress.spec?.defaultBackend, ...(ingress.spec?.rules ?? []).flatMap(
      (rule) => (rule.http?.paths ?? []).map((path) => path.backend),
    )].filter((backend) => backend?.service);
    for (const backend of backends) {
      const service = services.find(
        (s) => s.metadata?.name === backend.service.name && namespaceOf(s) === namespaceOf(ingress),
      );
      const wanted = backend.service.port ?? {};
      const port = (service?.spec?.ports ?? []).find(
        (p) => (wanted.name !== undefined ? p.name === wanted.name : p.port === wanted.number),
      );
      if (service && port && isManagement(service, port)) {
        violations.push(`${name(ingress)} routes to the management port of ${name(service)} (${port.name ?? port.port})`);
      }
    }
  }
}

/** Every rule broken by `objects` (rendered manifests), as readable messages. */
export function policyViolations(objects) {
  const violations = [];
  checkSelectors(objects, violations);
  checkServices(objects, violations);
  checkManagementExposure(objects, violations);
  for (const workload of workloads(objects)) {
    checkProbes(workload, violations);
    checkSecurity(workload, violations);
    checkSignalingNode(workload, objects, violations);
  }
  return violations;
}
