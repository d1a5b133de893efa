// Finds a Redis for the cluster tests and benchmarks, and talks to it with a tiny RESP client.
//
// Where the Redis comes from, in this order (never skipped silently: if none works, startRedis throws):
//   1. $REDIS_URL, used as is (not for tests that must stop and start Redis: see `controllable`);
//   2. `redis-server` on the PATH, started on a free 127.0.0.1 port in a temporary directory;
//   3. the linux x86_64 `redis-server` shipped inside the Maven artifact
//      com.github.codemonstur:embedded-redis (~/.m2/repository/...), extracted into a temporary directory.
// A Redis started here has persistence off (`--save "" --appendonly no`); `stop({ save: true })`
// writes one snapshot on the way down (SHUTDOWN SAVE), so the next `start()` comes back with the same
// data, while `restartEmpty()` comes back with none. Every process is stopped by its own PID.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const COMMAND_TIMEOUT_MS = 5_000;
const START_TIMEOUT_MS = 10_000;
const running = new Set();

process.on('exit', () => {
  for (const proc of running) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

// ---------------------------------------------------------------------------------------------
// RESP

/** Encodes a command (an array of strings, numbers or buffers) as a RESP array of bulk strings. */
function encode(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const value = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${value.length}\r\n`), value, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** An error reply from Redis (`-ERR ...`). */
export class RedisError extends Error {}

/**
 * Parses one reply from `buffer` at `offset`; returns `{ value, offset }` or `null` when the buffer
 * does not hold a whole reply yet.
 */
function parse(buffer, offset = 0) {
  if (offset >= buffer.length) return null;
  const end = buffer.indexOf('\r\n', offset);
  if (end < 0) return null;
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, end);
  const next = end + 2;
  switch (type) {
    case '+':
      return { value: line, offset: next };
    case '-':
      return { value: new RedisError(line), offset: next };
    case ':':
      return { value: Number(line), offset: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, offset: next };
      if (buffer.length < next + length + 2) return null;
      return { value: buffer.toString('utf8', next, next + length), offset: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, offset: next };
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (item === null) return null;
        items.push(item.value);
        at = item.offset;
      }
      return { value: items, offset: at };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

/** A RESP connection: `command(args)` resolves with the reply (an error reply rejects). */
export class RespConnection {
  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.pending = [];
    this.closed = false;
    socket.on('data', (chunk) => this.#onData(chunk));
    const fail = (error) => {
      this.closed = true;
      for (const waiter of this.pending.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(error ?? new Error('redis connection closed'));
      }
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('redis connection closed')));
  }

  static open(host, port, timeoutMs = COMMAND_TIMEOUT_MS) {
    return new Promise((resolveOpen, rejectOpen) => {
      const socket = new Socket();
      const timer = setTimeout(() => {
        socket.destroy();
        rejectOpen(new Error(`redis ${host}:${port}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        rejectOpen(error);
      });
      socket.connect(port, host, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolveOpen(new RespConnection(socket));
      });
    });
  }

  #onData(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      const reply = parse(this.buffer, offset);
      if (reply === null) break;
      offset = reply.offset;
      const waiter = this.pending.shift();
      if (!waiter) continue;
      clearTimeout(waiter.timer);
      if (reply.value instanceof RedisError) waiter.reject(reply.value);
      else waiter.resolve(reply.value);
    }
    this.buffer = this.buffer.subarray(offset);
  }

  command(args, timeoutMs = COMMAND_TIMEOUT_MS) {
    if (this.closed) return Promise.reject(new Error('redis connection closed'));
    return new Promise((resolveCommand, rejectCommand) => {
      const waiter = { resolve: resolveCommand, reject: rejectCommand };
      waiter.timer = setTimeout(() => {
        // a reply that never comes leaves the connection out of step: close it
        this.close();
        rejectCommand(new Error(`redis: no reply to ${args[0]} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.push(waiter);
      this.socket.write(encode(args));
    });
  }

  close() {
    this.closed = true;
    this.socket.destroy();
  }
}

/** Runs one command on a fresh connection to `host:port` and resolves with the reply. */
export async function redisCommand(host, port, args, timeoutMs = COMMAND_TIMEOUT_MS) {
  const connection = await RespConnection.open(host, port, timeoutMs);
  try {
    return await connection.command(args, timeoutMs);
  } finally {
    connection.close();
  }
}

/** Parses `INFO` text into `{ field: value }` (all sections). */
export function parseInfo(text) {
  const fields = {};
  for (const line of String(text).split('\r\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

/** `INFO commandstats` as `{ command: calls }` plus `total`. */
export function parseCommandStats(text) {
  const calls = { total: 0 };
  for (const [key, value] of Object.entries(parseInfo(text))) {
    if (!key.startsWith('cmdstat_')) continue;
    const match = /calls=(\d+)/.exec(value);
    if (!match) continue;
    const n = Number(match[1]);
    calls[key.slice('cmdstat_'.length)] = n;
    calls.total += n;
  }
  return calls;
}

// ---------------------------------------------------------------------------------------------
// Finding and running redis-server

function freePort() {
  return new Promise((resolvePort, rejectPort) => {
    const server = createServer();
    server.once('error', rejectPort);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function onPath(name) {
  const result = spawnSync('/bin/sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = result.stdout.trim();
  return result.status === 0 && path ? path : null;
}

/** The embedded-redis artifacts in the local Maven repository, newest version first. */
function embeddedRedisJars() {
  const base = join(process.env.MAVEN_REPOSITORY ?? join(homedir(), '.m2', 'repository'), 'com/github/codemonstur/embedded-redis');
  if (!existsSync(base)) return [];
  const jars = [];
  for (const version of readdirSync(base).sort().reverse()) {
    const dir = join(base, version);
    for (const file of existsSync(dir) ? readdirSync(dir) : []) {
      if (/^embedded-redis-.*\.jar$/.test(file) && !file.includes('sources') && !file.includes('javadoc')) {
        jars.push(join(dir, file));
      }
    }
  }
  return jars;
}

/** Extracts the linux x86_64 redis-server of an embedded-redis jar into `dir`; returns its path or null. */
function extractEmbedded(jar, dir) {
  const listing = spawnSync('unzip', ['-Z1', jar], { encoding: 'utf8' });
  if (listing.status !== 0) return null;
  const entry = listing.stdout
    .split('\n')
    .map((line) => line.trim())
    .find((name) => /^redis-server-[\d.]+(-v\d+)?-linux-(amd64|x86_64)$/.test(name));
  if (!entry) return null;
  const out = spawnSync('unzip', ['-o', '-q', jar, entry, '-d', dir]);
  const binary = join(dir, entry);
  if (out.status !== 0 || !existsSync(binary)) return null;
  chmodSync(binary, 0o755);
  return binary;
}

/** Candidate binaries in the order of preference, each `{ binary, source }` (lazily extracted). */
function* candidates(workDir) {
  const path = onPath('redis-server');
  if (path) yield { binary: path, source: `redis-server on the PATH (${path})` };
  if (process.arch === 'x64' && process.platform === 'linux') {
    for (const jar of embeddedRedisJars()) {
      const binary = extractEmbedded(jar, workDir);
      if (binary) yield { binary, source: `embedded-redis (${jar})` };
    }
  }
}

function spawnRedis(binary, port, dir, extra = []) {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--dbfilename', 'dump.rdb',
    '--protected-mode', 'no',
    '--daemonize', 'no',
    '--loglevel', 'warning',
    ...extra,
  ];
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let output = '';
  const append = (chunk) => {
    output += chunk.toString();
    if (output.length > 20_000) output = output.slice(-20_000);
  };
  proc.stdout.on('data', append);
  proc.stderr.on('data', append);
  const exited = new Promise((resolveExit) => {
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      resolveExit({ code, signal });
    });
    proc.on('error', (error) => {
      running.delete(proc);
      append(String(error));
      resolveExit({ code: null, signal: null, error });
    });
  });
  // kills redis-server if this process dies without cleaning up
  const reaper = spawn(process.execPath, [resolve(here, 'reaper.cjs'), String(process.pid), String(proc.pid)], {
    stdio: 'ignore',
    detached: true,
  });
  reaper.unref();
  return { proc, exited, output: () => output };
}

async function waitForPing(host, port, exited, timeoutMs = START_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  exited.then(() => (gone = true));
  let last;
  while (Date.now() < deadline && !gone) {
    try {
      if ((await redisCommand(host, port, ['PING'], 1_000)) === 'PONG') return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis on ${host}:${port} did not answer PING${gone ? ' (process exited)' : ''}: ${last?.message ?? ''}`);
}

/**
 * Starts (or finds) a Redis. Options: `controllable` (ignore $REDIS_URL, because the caller stops and
 * starts Redis), `quiet` (no log line). Resolves with a handle:
 * `{ url, host, port, source, pid, cli(...args), stop({ save }), start(), restartEmpty(), pause(ms), close() }`.
 */
export async function startRedis({ controllable = false, quiet = false } = {}) {
  const log = (message) => {
    if (!quiet) console.log(`# ${message}`);
  };
  const external = process.env.REDIS_URL;
  if (external && !controllable) {
    const url = new URL(external);
    const host = url.hostname || '127.0.0.1';
    const port = Number(url.port || 6379);
    await redisCommand(host, port, ['PING']).catch((error) => {
      throw new Error(`REDIS_URL=${external} does not answer PING: ${error.message}`);
    });
    log(`redis: using REDIS_URL=${external}`);
    const notHere = async () => {
      throw new Error('this Redis comes from REDIS_URL: it is not stopped or started by the tests');
    };
    return {
      url: external,
      host,
      port,
      source: 'REDIS_URL',
      pid: null,
      cli: (...args) => redisCommand(host, port, args.flat()),
      stop: notHere,
      start: notHere,
      restartEmpty: notHere,
      pause: (ms) => redisCommand(host, port, ['CLIENT', 'PAUSE', ms, 'ALL']),
      close: async () => {},
      output: () => '',
    };
  }
  if (external) log(`redis: REDIS_URL is set, but this file stops and starts Redis, so it runs its own`);

  const workDir = mkdtempSync(join(tmpdir(), 'cluster-redis-'));
  const host = '127.0.0.1';
  const failures = [];
  for (const { binary, source } of candidates(workDir)) {
    const port = await freePort();
    let current = spawnRedis(binary, port, workDir);
    try {
      await waitForPing(host, port, current.exited);
    } catch (error) {
      try {
        process.kill(current.proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      failures.push(`${source}: ${error.message}\n${current.output().slice(-1000)}`);
      continue;
    }
    log(`redis: ${source}, port ${port}, pid ${current.proc.pid}`);
    const cli = (...args) => redisCommand(host, port, args.flat());
    const handle = {
      url: `redis://${host}:${port}`,
      host,
      port,
      source,
      dir: workDir,
      get pid() {
        return current?.proc.pid ?? null;
      },
      get running() {
        return current !== null;
      },
      /** What redis-server printed (warnings only: it runs with --loglevel warning). */
      output: () => current?.output() ?? '',
      cli,
      /**
       * Stops Redis: `save: true` writes a snapshot first (SHUTDOWN SAVE), so `start()` brings the same
       * data back; otherwise the process is killed (SIGKILL) and its data is gone.
       */
      async stop({ save = false } = {}) {
        if (!current) return;
        const stopping = current;
        current = null;
        if (save) {
          await cli('SHUTDOWN', 'SAVE').catch(() => {
            // the connection closes as the server exits; an error reply would leave it running
          });
        } else {
          try {
            process.kill(stopping.proc.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        const timer = setTimeout(() => {
          try {
            process.kill(stopping.proc.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 5_000);
        await stopping.exited;
        clearTimeout(timer);
      },
      /** Starts Redis again on the same port (with the snapshot of `stop({ save: true })`, if any). */
      async start() {
        if (current) return;
        const deadline = Date.now() + START_TIMEOUT_MS;
        for (;;) {
          current = spawnRedis(binary, port, workDir);
          try {
            await waitForPing(host, port, current.exited);
            return;
          } catch (error) {
            // the port may still be in TIME_WAIT for a moment
            try {
              process.kill(current.proc.pid, 'SIGKILL');
            } catch {
              // already gone
            }
            await current.exited;
            current = null;
            if (Date.now() > deadline) throw error;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      },
      /** Kills Redis and starts it again on the same port with no data at all. */
      async restartEmpty() {
        await handle.stop({ save: false });
        rmSync(join(workDir, 'dump.rdb'), { force: true });
        await handle.start();
      },
      /**
       * Redis accepts connections but answers nothing for `ms` (CLIENT PAUSE ms ALL); the data stays. The
       * pause ends by itself (CLIENT UNPAUSE would itself wait for the end of a pause of ALL clients).
       */
      pause: (ms) => cli('CLIENT', 'PAUSE', ms, 'ALL'),
      /** Stops Redis and removes its directory. */
      async close() {
        await handle.stop({ save: false });
        rmSync(workDir, { recursive: true, force: true });
      },
    };
    return handle;
  }
  rmSync(workDir, { recursive: true, force: true });
  throw new Error(
    'no Redis for the cluster tests: set REDIS_URL, put redis-server on the PATH (apt-get install redis-server), ' +
      'or have com.github.codemonstur:embedded-redis in ~/.m2' +
      (failures.length ? `\ntried:\n${failures.join('\n')}` : ''),
  );
}

/** A random key prefix for one test file, so files never see each other's keys. */
export function randomPrefix() {
  return `t${Math.random().toString(36).slice(2, 10)}:`;
}

/** Spawns a redis-server in sentinel mode on `port`, watching `master` under MASTER_NAME; its config lives in `dir`. */
function spawnSentinel(binary, port, dir, masterPort) {
  const conf = join(dir, `sentinel-${port}.conf`);
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode no',
      'daemonize no',
      `dir ${dir}`,
      'loglevel warning',
      `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
      `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
      `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
      '',
    ].join('\n'),
  );
  const proc = spawn(binary, [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let output = '';
  proc.stdout.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
  proc.stderr.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
  const exited = new Promise((resolveExit) => proc.on('exit', (code, signal) => (running.delete(proc), resolveExit({ code, signal }))));
  const reaper = spawn(process.execPath, [resolve(here, 'reaper.cjs'), String(process.pid), String(proc.pid)], { stdio: 'ignore', detached: true });
  reaper.unref();
  return { proc, exited, output: () => output };
}

/** The master name the sentinels of `startSentinelSet` watch. */
export const SENTINEL_MASTER = 'sigmaster';

/**
 * A Sentinel set of real processes on loopback: one master, one replica, three sentinels (quorum 2, a master is
 * down after 1 s). Resolves with `{ url, master(), killMaster(), waitForFailover(oldPort, ms), close() }`; `url` is
 * the `redis-sentinel://` REDIS_URL for the nodes.
 */
export async function startSentinelSet({ quiet = false } = {}) {
  const workDir = mkdtempSync(join(tmpdir(), 'sentinel-redis-'));
  const host = '127.0.0.1';
  const { binary, source } = candidates(workDir).next().value ?? {};
  if (!binary) throw new Error('no redis-server for the Sentinel tests: apt-get install redis-server redis-sentinel');
  const processes = [];
  const masterPort = await freePort();
  const master = spawnRedis(binary, masterPort, mkdtempSync(join(workDir, 'm-')));
  processes.push(master);
  await waitForPing(host, masterPort, master.exited);
  const replicaPort = await freePort();
  const replica = spawnRedis(binary, replicaPort, mkdtempSync(join(workDir, 'r-')), ['--replicaof', host, String(masterPort)]);
  processes.push(replica);
  await waitForPing(host, replicaPort, replica.exited);
  const sentinelPorts = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const sentinel = spawnSentinel(binary, port, workDir, masterPort);
    processes.push(sentinel);
    await waitForPing(host, port, sentinel.exited);
    sentinelPorts.push(port);
  }
  const byPort = new Map([[masterPort, master], [replicaPort, replica]]);
  const currentMaster = async () => {
    const answer = await redisCommand(host, sentinelPorts[0], ['SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER]);
    return Number(answer?.[1]);
  };
  // the replica is in sync and every sentinel knows it and the others: a failover can happen
  const deadline = Date.now() + 20_000;
  for (;;) {
    const info = await redisCommand(host, replicaPort, ['INFO', 'replication']);
    const replicas = await redisCommand(host, sentinelPorts[0], ['SENTINEL', 'replicas', SENTINEL_MASTER]).catch(() => []);
    const sentinels = await redisCommand(host, sentinelPorts[0], ['SENTINEL', 'sentinels', SENTINEL_MASTER]).catch(() => []);
    if (/master_link_status:up/.test(info) && replicas.length === 1 && sentinels.length === 2) break;
    if (Date.now() > deadline) throw new Error(`Sentinel set not in sync within 20 s: ${info.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!quiet) console.log(`# redis sentinel: ${source}, master ${masterPort}, replica ${replicaPort}, sentinels ${sentinelPorts.join(',')}`);
  const kill = async (entry) => {
    try {
      process.kill(entry.proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await entry.exited;
  };
  return {
    url: `redis-sentinel://${sentinelPorts.map((p) => `${host}:${p}`).join(',')}#${SENTINEL_MASTER}`,
    host,
    sentinelPorts,
    master: currentMaster,
    cli: async (...args) => redisCommand(host, await currentMaster(), args.flat()),
    /** kill -9 of the current master; resolves with its port. */
    async killMaster() {
      const port = await currentMaster();
      await kill(byPort.get(port));
      return port;
    },
    /** Resolves with the new master's port once the sentinels named another one than `oldPort`. */
    async waitForFailover(oldPort, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const port = await currentMaster().catch(() => oldPort);
        if (port !== oldPort) {
          const role = await redisCommand(host, port, ['ROLE']).catch(() => null);
          if (role?.[0] === 'master') return port;
        }
        if (Date.now() > until) throw new Error(`no failover within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      for (const entry of processes) await kill(entry);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
