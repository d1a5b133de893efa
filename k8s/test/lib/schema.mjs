// Validates Kubernetes objects against the OpenAPI schemas shipped (as compiled validators) by the
// npm package kubernetes-models, and additionally rejects unknown fields.
//
// kubernetes-models' validators do not set additionalProperties: false (the Kubernetes OpenAPI
// document does not), so a misspelt field such as `livenesProbe` would pass them - and the API
// server would silently drop it. The strict pass below finds such fields: it runs the same
// validator on a copy of the object wrapped in Proxies and records which properties the validator
// looked up. A generated validator reads every property its schema declares; a property that is
// present but was never read is unknown to the schema. Objects whose keys the validator enumerated
// (maps such as labels, annotations, resource quantities, ConfigMap data) accept any key.

/** The kubernetes-models class for `apiVersion` and `kind` (e.g. apps/v1 Deployment), or null. */
export async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '') return null;
  try {
    const module = await import(`kubernetes-models/${apiVersion}`);
    const Model = module[kind];
    return typeof Model === 'function' && Model.kind === kind ? Model : null;
  } catch {
    return null;
  }
}

function describe(object) {
  return `${object?.kind ?? '?'}/${object?.metadata?.name ?? '?'}`;
}

/** Wraps `value` (deep) in Proxies that record reads and key enumerations per object. */
function track(value, path, nodes) {
  if (value === null || typeof value !== 'object') return value;
  const node = { path, target: value, read: new Set(), enumerated: false };
  nodes.push(node);
  const children = new Map();
  for (const key of Object.keys(value)) {
    children.set(key, track(value[key], `${path}/${key}`, nodes));
  }
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === 'string') node.read.add(key);
      return children.has(key) ? children.get(key) : Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === 'string') node.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      node.enumerated = true;
      return Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === 'string') node.read.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}

/**
 * The paths (JSON pointer style) of the properties of `object` that the schema of `Model` does not
 * know. Runs the model's own validate function with the tracked copy as `this`; its verdict is
 * ignored here (schemaProblems reports it).
 */
export function unknownFields(Model, object) {
  const nodes = [];
  const proxied = track(object, '', nodes);
  try {
    Model.prototype.validate.call(proxied);
  } catch {
    // schema errors are reported by the ordinary validation
  }
  const unknown = [];
  for (const node of nodes) {
    if (node.enumerated || Array.isArray(node.target)) continue;
    // below an unknown field nothing was validated: report the field once, not its contents
    if (unknown.some((path) => node.path === path || node.path.startsWith(`${path}/`))) continue;
    for (const key of Object.keys(node.target)) {
      if (!node.read.has(key)) unknown.push(`${node.path}/${key}`);
    }
  }
  return unknown;
}

/**
 * Validates every object; resolves to a list of problems (empty when all are valid): schema
 * errors from kubernetes-models, unknown fields, and kinds it has no schema for.
 */
export async function schemaProblems(objects) {
  const problems = [];
  for (const object of objects) {
    const where = describe(object);
    const Model = await modelFor(object?.apiVersion, object?.kind);
    if (!Model) {
      problems.push(`${where}: no kubernetes-models schema for ${object?.apiVersion} ${object?.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
    }
    for (const path of unknownFields(Model, structuredClone(object))) {
      problems.push(`${where}: unknown field ${path}`);
    }
  }
  return problems;
}

