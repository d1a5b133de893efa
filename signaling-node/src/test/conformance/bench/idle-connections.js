#!/usr/bin/env node
// Heap per idle connection of one signaling node.
//
//   node bench/idle-connections.js [--connections 10000] [--workers 4] [--redis]
//
// Starts one node from $SIGNALING_JAR (in-memory store, or Redis with --redis; ROOMS_AUTO_CREATE so guests
// can fill rooms without REST), warms it up, then measures the heap three times, each after a full GC
// (`jcmd <pid> GC.run`, then `jvm_memory_used_bytes{area="heap"}` summed over the pools from GET /metrics):
//   0 connections; K connected guests that hold no seat; the same K seated in K/10 rooms.
// Heap per connection = (heap with K − heap with 0) / K. The target is ≤ 8 KB per idle connection.
// The K websocket clients live in `--workers` child processes. Everything is bounded in time; all sockets
// are closed and the node is stopped at the end.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBenchmark } from './run.js';

const self = fileURLToPath(import.meta.url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TARGET_BYTES = 8 * 1024;

// ---------------------------------------------------------------------------------------------
// worker: opens its share of the connections, seats them on request

async function worker() {
  const { io } = await import('socket.io-client');
  const sockets = [];
  const connectOne = (url, name) =>
    new Promise((resolve, reject) => {
      const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { displayName: name } });
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`${name}: no connect within 20 s`));
      }, 20_000);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('connect_error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  const inBatches = async (items, size, fn) => {
    for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
  };
  process.on('message', async (message) => {
    try {
      if (message.cmd === 'connect') {
        const names = Array.from({ length: message.count }, (_, i) => `idle-${message.index}-${i}`);
        let failed = 0;
        await inBatches(names, 100, async (name) => {
          try {
            sockets.push(await connectOne(message.url, name));
          } catch {
            failed++;
          }
        });
        process.send({ cmd: 'connected', connected: sockets.length, failed });
      } else if (message.cmd === 'join') {
        let failed = 0;
        await inBatches(sockets.map((s, i) => [s, i]), 100, async ([socket, i]) => {
          const code = message.codes[(message.offset + i) % message.codes.length];
          const ack = await socket.timeout(20_000).emitWithAck('join-room', { roomCode: code }).catch(() => null);
          if (!ack?.success) failed++;
        });
        process.send({ cmd: 'joined', joined: sockets.length - failed, failed });
      } else if (message.cmd === 'close') {
        for (const socket of sockets) socket.close();
        await sleep(200);
        process.exit(0);
      }
    } catch (error) {
      process.send({ cmd: 'error', message: String(error?.stack ?? error) });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// main

class Worker {
  constructor(index) {
    this.index = index;
    this.child = fork(self, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.waiting = null;
    this.child.on('message', (message) => {
      const waiter = this.waiting;
      this.waiting = null;
      if (!waiter) return;
      if (message.cmd === 'error') waiter.reject(new Error(`worker ${index}: ${message.message}`));
      else waiter.resolve(message);
    });
  }

  request(message, timeoutMs = 180_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${this.index}: no answer to ${message.cmd} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting = {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.child.send(message);
    });
  }

  close() {
    try {
      this.child.send({ cmd: 'close' });
    } catch {
      // already gone
    }
    setTimeout(() => this.child.kill('SIGKILL'), 5_000).unref();
  }
}

/** The open-files limit of this shell and whether it can be raised for the processes we start. */
function fileLimits() {
  const soft = Number(spawnSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
  const hard = spawnSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  return { soft, hard: hard === 'unlimited' ? Infinity : Number(hard) };
}

async function heapBytes(node, metricsUrl) {
  execFileSync('jcmd', [String(node.pid), 'GC.run'], { stdio: 'ignore', timeout: 60_000 });
  await sleep(300);
  const text = await (await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('jvm_memory_used_bytes{') && line.includes('area="heap"')) sum += Number(line.split(' ').at(-1));
  }
  const connected = /^signaling_sockets_connected\s+(\S+)/m.exec(text)?.[1];
  const seated = /^signaling_participants_seated\s+(\S+)/m.exec(text)?.[1];
  return { heap: sum, connected: Number(connected), seated: Number(seated) };
}

/** Heap after GC, the smallest of three readings (a reading can catch garbage allocated just after the GC). */
async function settledHeap(node) {
  const readings = [];
  for (let i = 0; i < 3; i++) readings.push(await heapBytes(node, node.mgmtUrl));
  return readings.reduce((a, b) => (b.heap < a.heap ? b : a));
}

async function main() {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '10000' },
      workers: { type: 'string', default: '4' },
      redis: { type: 'boolean', default: false },
    },
  });
  const K = Number(values.connections);
  const W = Number(values.workers);
  const limits = fileLimits();
  console.log(`open files: soft ${limits.soft}, hard ${limits.hard}`);
  // the node holds K sockets and each worker K/W: both must fit under the limit they inherit
  const needed = K + 1_000;
  let raise = null;
  if (limits.soft < needed) {
    if (limits.hard >= needed) raise = Math.min(limits.hard, Math.max(needed, 65_536));
    else throw new Error(`ulimit -n is ${limits.soft} (hard ${limits.hard}); ${K} connections need about ${needed}`);
  }

  const [{ startNode, JAR }, { startRedis, randomPrefix }] = await Promise.all([import('../lib/server.js'), import('../lib/redis.js')]);
  let redis = null;
  const env = { NODE_ID: 'idle-bench', ROOMS_AUTO_CREATE: 'true', MAX_CONNECTIONS: String(K + 1_000), LOG_FORMAT: 'text' };
  if (values.redis) {
    redis = await startRedis();
    Object.assign(env, { REDIS_URL: redis.url, REDIS_PREFIX: randomPrefix() });
  }
  if (raise) console.log(`raising the node's open-files limit to ${raise}`);
  const node = raise ? await startWithLimit(startNode, JAR, env, raise) : await startNode(env, { readyTimeoutMs: 60_000 });
  console.log(`node ${node.nodeId} (pid ${node.pid}) on port ${node.port}, store ${values.redis ? 'Redis' : 'in memory'}`);
  const workers = [];
  try {
    for (let w = 0; w < W; w++) workers.push(new Worker(w));
    // warm-up: load the classes and fill the caches that any connection needs, then let them go
    const warm = await workers[0].request({ cmd: 'connect', index: 'warm', url: node.url, count: 200 });
    await workers[0].request({ cmd: 'join', codes: ['warm-up-room-1', 'warm-up-room-2'], offset: 0 });
    workers[0].close();
    workers[0] = new Worker(0);
    await sleep(2_000);
    console.log(`warm-up: ${warm.connected} connections opened and closed`);

    const base = await settledHeap(node);
    console.log(`heap with 0 connections: ${(base.heap / 1048576).toFixed(1)} MiB (connected ${base.connected})`);

    const started = performance.now();
    const counts = await Promise.all(
      workers.map((worker, w) => worker.request({ cmd: 'connect', index: w, url: node.url, count: Math.floor(K / W) + (w < K % W ? 1 : 0) })),
    );
    const connected = counts.reduce((a, c) => a + c.connected, 0);
    const failed = counts.reduce((a, c) => a + c.failed, 0);
    console.log(`opened ${connected} connections in ${((performance.now() - started) / 1000).toFixed(1)} s (${failed} failed)`);
    await sleep(2_000);
    const idle = await settledHeap(node);
    const perIdle = (idle.heap - base.heap) / connected;
    console.log(
      `heap with ${idle.connected} unseated connections: ${(idle.heap / 1048576).toFixed(1)} MiB → ` +
        `${(perIdle / 1024).toFixed(2)} KiB per connection (target ≤ ${TARGET_BYTES / 1024} KiB: ${perIdle <= TARGET_BYTES ? 'met' : 'NOT met'})`,
    );

    const rooms = Math.max(1, Math.floor(K / 10));
    const codes = Array.from({ length: rooms }, (_, i) => `idle-room-${String(i).padStart(5, '0')}`);
    let offset = 0;
    const joins = [];
    for (const [w, worker] of workers.entries()) {
      joins.push(worker.request({ cmd: 'join', codes, offset }));
      offset += counts[w].connected;
    }
    const joinedCounts = await Promise.all(joins);
    const joined = joinedCounts.reduce((a, c) => a + c.joined, 0);
    console.log(`seated ${joined} of them in ${rooms} rooms (${joinedCounts.reduce((a, c) => a + c.failed, 0)} joins failed)`);
    await sleep(2_000);
    const seated = await settledHeap(node);
    const perSeated = (seated.heap - base.heap) / connected;
    console.log(
      `heap with ${seated.connected} connections, ${seated.seated} seated: ${(seated.heap / 1048576).toFixed(1)} MiB → ` +
        `${(perSeated / 1024).toFixed(2)} KiB per seated connection (rooms included)`,
    );
  } finally {
    for (const worker of workers) worker.close();
    await sleep(1_000);
    await node.stop(10_000);
    await redis?.close();
  }
}

/** startNode, but with the JVM started by a shell that raises its open-files limit first. */
async function startWithLimit(startNode, jar, env, limit) {
  // lib/server.js runs `java -jar`; put a `java` first on the PATH that raises the limit and execs the real one
  const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'idle-bench-'));
  const realJava = spawnSync('/bin/sh', ['-c', 'command -v java'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(dir, 'java'), `#!/bin/sh\nulimit -n ${limit} || exit 1\nexec ${realJava} "$@"\n`);
  chmodSync(join(dir, 'java'), 0o755);
  return startNode({ ...env, PATH: `${dir}:${process.env.PATH}` }, { readyTimeoutMs: 60_000 });
}

runBenchmark({ main, worker, minutes: 10 });
