// Renders a kustomization offline with the kustomize built into kubectl (or a standalone
// `kustomize`), and parses the output into plain objects. Nothing is sent to a cluster.
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

function which(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** The command line that renders `dir`: `kubectl kustomize dir`, else `kustomize build dir`. */
export function renderCommand(dir) {
  if (which('kubectl')) return ['kubectl', ['kustomize', dir]];
  if (which('kustomize')) return ['kustomize', ['build', dir]];
  throw new Error('neither kubectl nor kustomize is on the PATH: cannot render the kustomization');
}

/** The rendered YAML text of the kustomization in `dir`. */
export function renderText(dir) {
  const [command, args] = renderCommand(dir);
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Parses a multi-document YAML text; throws on any YAML error. */
export function parseObjects(text) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

/** Renders and parses the kustomization in `dir`. */
export function render(dir) {
  return parseObjects(renderText(dir));
}
