// The abuse suite's harness (test/abuse/): hostile clients in processes of their own (lib/attacker.js),
// a watchdog that measures what bystanders see while the attack runs, and the node's heap after GC.
import { execFile, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { guest } from './peer.js';
import { management } from './rest.js';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

/** Every node of the abuse suite runs with this heap limit; the suite asserts a bound well below it. */
export const HEAP_LIMIT = '-Xmx512m';
export const HEAP_BOUND_BYTES = 256 * 1024 * 1024;
/** How long a bystander's probe may take at most while the node is under attack. */
export const RESPONSIVE_MS = 1_000;

/**
 * Starts one hostile client (`kind`, see lib/attacker.js) against `node` in a process of its own and resolves
 * with its report once it stopped by itself.
 */
export function attack(node, kind, options = {}) {
  const config = { kind, port: node.port, durationMs: 15_000, ...options };
  const child = spawn(process.execPath, [resolve(here, 'attacker.js'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk.toString()));
  return new Promise((resolveReport, rejectReport) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectReport(new Error(`attacker ${kind} did not stop by itself`));
    }, config.durationMs + 20_000);
    child.on('exit', () => {
      clearTimeout(timer);
      try {
        resolveReport(JSON.parse(out.trim().split('\n').at(-1)));
      } catch {
        rejectReport(new Error(`attacker ${kind} printed no report: ${out.slice(0, 300)}`));
      }
    });
  });
}

async function timed(probe, timeoutMs) {
  const start = performance.now();
  let timer;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ms: performance.now() - start };
  } catch (error) {
    return { ms: performance.now() - start, error: error.message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * While running, measures again and again, one after another: `/healthz` on the management port, a relayed
 * ICE candidate from `sender` to `receiver` (ack and delivery), and a new guest handshake. `stop()` resolves
 * with `{ healthz, relay, handshake }`, each `{ count, maxMs, failures: [...] }`.
 */
export function watchdog(node, { sender, receiver }) {
  const probes = {
    healthz: async () => {
      const response = await management(node, '/healthz');
      if (response.status !== 200) throw new Error(`/healthz ${response.status}`);
    },
    relay: async () => {
      const tag = `probe-${Math.random()}`;
      const delivered = receiver.next('ice-candidate', { where: (d) => d?.candidate?.candidate === tag, timeout: 5_000 });
      const ack = await sender.ack('ice-candidate', { targetId: receiver.id, candidate: { candidate: tag, sdpMid: '0', sdpMLineIndex: 0 } }, 5_000);
      if (ack?.success !== true) throw new Error(`relay refused: ${JSON.stringify(ack)}`);
      await delivered;
    },
    handshake: async () => {
      const peer = await guest(node, 'Probe', { deadlineMs: 5_000 });
      peer.close();
    },
  };
  const stats = Object.fromEntries(Object.keys(probes).map((name) => [name, { count: 0, maxMs: 0, failures: [] }]));
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const [name, probe] of Object.entries(probes)) {
        const { ms, error } = await timed(probe, 5_000);
        const s = stats[name];
        s.count += 1;
        s.maxMs = Math.max(s.maxMs, Math.round(ms));
        if (error) s.failures.push(error);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return stats;
    },
  };
}

/** Forces a full GC in the node (`jcmd <pid> GC.run`) and resolves with its heap in use then, in bytes. */
export async function heapAfterGc(node) {
  await run('jcmd', [String(node.pid), 'GC.run'], { timeout: 30_000 });
  const { text } = await management(node, '/metrics');
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('jvm_memory_used_bytes{') && line.includes('area="heap"')) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Samples `heapAfterGc` every `everyMs` until `stop()`, which resolves with the largest sample. */
export function heapSampler(node, everyMs = 4_000) {
  let running = true;
  let max = 0;
  const samples = [];
  const loop = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, everyMs));
      try {
        const bytes = await heapAfterGc(node);
        samples.push(bytes);
        max = Math.max(max, bytes);
      } catch (error) {
        samples.push(`failed: ${error.message}`);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { max, samples };
    },
  };
}

/** Sums the samples of one metric from the node's `/metrics` (optionally only those whose labels include `labels`). */
export async function metric(node, name, labels = '') {
  const { text } = await management(node, '/metrics');
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const series = line.slice(0, space);
    const metricName = series.split('{')[0];
    if (metricName === name && series.includes(labels)) sum += Number(line.slice(space + 1));
  }
  return sum;
}

/** Every key under `prefix` in Redis (SCAN, never KEYS), sorted. */
export async function redisKeys(redis, prefix) {
  const keys = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.cli('SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000');
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/** Makes Redis log every call slower than `micros` and forgets what it logged so far. */
export async function watchSlowCalls(redis, micros = 10_000) {
  await redis.cli('CONFIG', 'SET', 'slowlog-log-slower-than', String(micros));
  await redis.cli('SLOWLOG', 'RESET');
}

/** The calls Redis logged as slow since `watchSlowCalls`: `[{ micros, command }]`. */
export async function slowCalls(redis) {
  const entries = await redis.cli('SLOWLOG', 'GET', '128');
  return entries.map((entry) => ({ micros: Number(entry[2]), command: entry[3].slice(0, 3).join(' ').slice(0, 120) }));
}
