// Starts a real signaling-node process (`java -jar $SIGNALING_JAR`) configured only through
// environment variables, waits for its ready line and stops it again.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SECRET } from './jwt.js';

const here = dirname(fileURLToPath(import.meta.url));
const conformanceDir = resolve(here, '..');

/** The jar under test: $SIGNALING_JAR, else ../../../target/signaling-node.jar. */
export const JAR = resolve(
  conformanceDir,
  process.env.SIGNALING_JAR ?? '../../../target/signaling-node.jar',
);

const READY_LINE = /signaling-node ready: port=(\d+) managementPort=(\d+) nodeId=(\S+)/;
const OUTPUT_LIMIT = 200_000;
const running = new Set();

function killAllSync() {
  for (const proc of running) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}
process.on('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllSync();
    process.exit(130);
  });
}

/** The environment every node gets; tests override single entries. */
export function baseEnv() {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    MANAGEMENT_PORT: '0',
    JWT_SECRET: DEFAULT_SECRET,
    LOG_FORMAT: 'text',
    DRAIN_SECONDS: '1',
    // no warm-up traffic beside a test (test/warmup.test.js covers it)
    WARMUP: '0',
  };
}

/**
 * Launches the jar with `baseEnv()` plus `env` (a value of `null` removes a variable) and
 * resolves once the ready line was printed. Rejects with the process output otherwise. `jar` runs another
 * build than $SIGNALING_JAR (benchmarks comparing builds).
 */
export async function startNode(env = {}, { readyTimeoutMs = 30_000, jar = JAR } = {}) {
  if (!existsSync(jar)) {
    throw new Error(`signaling jar not found: ${jar} (set SIGNALING_JAR)`);
  }
  const merged = { ...process.env, ...baseEnv() };
  for (const [key, value] of Object.entries(env)) {
    if (value === null || value === undefined) delete merged[key];
    else merged[key] = String(value);
  }
  // with the node's own assertions on: a session touched off its event loop fails the test that did it
  const proc = spawn('java', ['-ea:io.meetsignal...', '-jar', jar], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  const reaper = spawn(process.execPath, [resolve(here, 'reaper.cjs'), String(process.pid), String(proc.pid)], {
    stdio: 'ignore',
    detached: true,
  });
  reaper.unref();

  let output = '';
  let assertionFailure = null;
  const append = (chunk) => {
    const text = chunk.toString();
    output += text;
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
    const at = text.indexOf('AssertionError');
    if (assertionFailure === null && at >= 0) assertionFailure = text.slice(Math.max(0, at - 300), at + 1500);
  };
  let exitInfo = null;
  const exited = new Promise((resolveExit) => {
    proc.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      running.delete(proc);
      resolveExit(exitInfo);
    });
  });

  const ready = await new Promise((resolveReady, rejectReady) => {
    let stdoutBuffer = '';
    let settled = false;
    const timer = setTimeout(() => {
      fail(new Error(`no ready line within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    const fail = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      error.message += `\n--- process output ---\n${output.slice(-8000)}`;
      rejectReady(error);
    };
    proc.stdout.on('data', (chunk) => {
      append(chunk);
      stdoutBuffer += chunk.toString();
      const match = READY_LINE.exec(stdoutBuffer);
      if (match && !settled) {
        settled = true;
        clearTimeout(timer);
        stdoutBuffer = '';
        resolveReady({ port: Number(match[1]), managementPort: Number(match[2]), nodeId: match[3] });
      } else if (stdoutBuffer.length > 100_000) {
        stdoutBuffer = stdoutBuffer.slice(-1000);
      }
    });
    proc.stderr.on('data', append);
    proc.on('error', (error) => fail(error));
    exited.then(({ code, signal }) => fail(new Error(`process exited before ready (code=${code} signal=${signal})`)));
  });

  const node = {
    ...ready,
    env: merged,
    pid: proc.pid,
    url: `http://127.0.0.1:${ready.port}`,
    mgmtUrl: `http://127.0.0.1:${ready.managementPort}`,
    output: () => output,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    /** Sends `signal` to the process (SIGKILL: a crash without goodbye) and resolves once it exited. */
    async kill(signal = 'SIGKILL') {
      if (exitInfo) return exitInfo;
      try {
        process.kill(proc.pid, signal);
      } catch {
        return exitInfo;
      }
      return exited;
    },
    /** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
    async stop(graceMs = 8_000) {
      if (exitInfo) return exitInfo;
      try {
        process.kill(proc.pid, 'SIGTERM');
      } catch {
        return exitInfo;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(proc.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      const info = await exited;
      clearTimeout(timer);
      if (assertionFailure) {
        throw new Error(`node ${ready.nodeId} failed one of its assertions:\n${assertionFailure}`);
      }
      return info;
    },
  };
  return node;
}

/**
 * Launches the jar with a configuration that must be refused and resolves with
 * `{ code, signal, output }` once the process exits (or rejects if it becomes ready or
 * keeps running past the deadline).
 */
export async function startNodeExpectingFailure(env = {}, { deadlineMs = 30_000 } = {}) {
  const merged = { ...process.env, ...baseEnv() };
  for (const [key, value] of Object.entries(env)) {
    if (value === null || value === undefined) delete merged[key];
    else merged[key] = String(value);
  }
  const proc = spawn('java', ['-jar', JAR], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let output = '';
  proc.stderr.on('data', (chunk) => (output += chunk.toString()));
  return new Promise((resolveExit, rejectExit) => {
    proc.stdout.on('data', (chunk) => {
      output += chunk.toString();
      if (READY_LINE.test(output)) {
        clearTimeout(timer);
        try {
          process.kill(proc.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        rejectExit(new Error(`node became ready although its configuration is invalid\n${output.slice(-4000)}`));
      }
    });
    const timer = setTimeout(() => {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rejectExit(new Error(`process still running after ${deadlineMs} ms\n${output.slice(-4000)}`));
    }, deadlineMs);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(proc);
      resolveExit({ code, signal, output });
    });
  });
}
