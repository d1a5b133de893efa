#!/usr/bin/env node
// Cross-node relay benchmark: one-way latency, loss, order, throughput and Redis commands per relayed
// `ice-candidate`, with every sender on node 1 and every receiver on node 2.
//
//   node bench/cluster-relay.js [--rate 5000] [--signals 20000] [--pairs 8] [--workers 2] [--warmup 2000]
//   node bench/cluster-relay.js --sweep [--rates 2000,5000,10000,20000,40000] [--signals 20000]
//
// It starts a Redis (lib/redis.js: $REDIS_URL, redis-server on the PATH, or the embedded-redis binary) and
// two nodes from $SIGNALING_JAR with the rate limits lifted. Load comes from `--workers` child processes
// (so that one Node event loop is not the bottleneck); each holds some of the pairs, a pair being a sender
// and a receiver in a room of their own, and both ends of a pair live in the same process, so the
// timestamps they compare (performance.timeOrigin + performance.now()) come from one clock. A sender
// embeds its run id, a sequence number and the send time in every candidate.
//
// Redis commands per signal: INFO commandstats before and after a run (once everything arrived); the
// commands the idle cluster issues by itself (heartbeats, readiness pings, sweeps) are measured over an
// idle window first and subtracted. The target is exactly one PUBLISH per relayed signal.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBenchmark } from './run.js';
import { io } from 'socket.io-client';

const self = fileURLToPath(import.meta.url);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// worker: holds pairs, sends at a given rate and reports what arrived

function connectGuest(url, name) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { displayName: name } });
    const timer = setTimeout(() => reject(new Error(`${name}: no connect within 10 s`)), 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function joinRoom(socket, code) {
  const ack = await socket.timeout(10_000).emitWithAck('join-room', { roomCode: code });
  if (!ack?.success) throw new Error(`join failed: ${JSON.stringify(ack)}`);
}

async function worker() {
  let pairs = [];
  process.on('message', async (message) => {
    try {
      if (message.cmd === 'setup') {
        pairs = [];
        for (const [i, code] of message.codes.entries()) {
          const sender = await connectGuest(message.senderUrl, `sender-${message.index}-${i}`);
          const receiver = await connectGuest(message.receiverUrl, `receiver-${message.index}-${i}`);
          await joinRoom(sender, code);
          await joinRoom(receiver, code);
          pairs.push({ sender, receiver });
        }
        process.send({ cmd: 'ready' });
      } else if (message.cmd === 'run') {
        process.send({ cmd: 'result', ...(await runPairs(pairs, message)) });
      } else if (message.cmd === 'close') {
        for (const { sender, receiver } of pairs) {
          sender.disconnect();
          receiver.disconnect();
        }
        process.exit(0);
      }
    } catch (error) {
      process.send({ cmd: 'error', message: String(error?.stack ?? error) });
    }
  });
}

/** Sends `signals` candidates over the pairs at `rate` per second (this worker's share) and measures. */
async function runPairs(pairs, { runId, rate, signals, quietMs = 10_000 }) {
  const perPair = Math.ceil(signals / pairs.length);
  const latencies = [];
  let received = 0;
  let reordered = 0;
  let duplicates = 0;
  let refused = 0;
  const refusals = {};
  let lastArrival = 0;
  let lastSend = 0;
  for (const pair of pairs) {
    pair.seen = new Uint8Array(perPair);
    pair.lastSeq = -1;
    pair.receiver.off('ice-candidate');
    pair.sender.off('error');
    pair.sender.on('error', (e) => {
      refused++;
      const key = `${e?.code}: ${e?.message}`;
      refusals[key] = (refusals[key] ?? 0) + 1;
    });
    pair.receiver.on('ice-candidate', ({ candidate }) => {
      const t = now();
      const [id, seq, sentAt] = candidate.candidate.split('|');
      if (id !== runId) return;
      const n = Number(seq);
      if (pair.seen[n]) {
        duplicates++;
        return;
      }
      pair.seen[n] = 1;
      if (n < pair.lastSeq) reordered++;
      else pair.lastSeq = n;
      latencies.push(t - Number(sentAt));
      received++;
      lastArrival = t;
    });
  }
  const started = now();
  const perPairRate = rate / pairs.length;
  await Promise.all(
    pairs.map(
      (pair) =>
        new Promise((resolve) => {
          let sent = 0;
          const targetId = pair.receiver.id;
          const tick = () => {
            const due = Math.min(perPair, Math.floor(((now() - started) / 1000) * perPairRate));
            while (sent < due) {
              pair.sender.emit('ice-candidate', {
                targetId,
                candidate: { candidate: `${runId}|${sent}|${now()}`, sdpMid: '0', sdpMLineIndex: 0 },
              });
              sent++;
            }
            if (sent >= perPair) {
              lastSend = Math.max(lastSend, now());
              resolve();
            } else {
              setTimeout(tick, 1);
            }
          };
          tick();
        }),
    ),
  );
  const total = perPair * pairs.length;
  while (received < total && now() - Math.max(lastArrival, lastSend) < quietMs) await sleep(20);
  return { sent: total, received, reordered, duplicates, refused, refusals, latencies, started, lastSend, lastArrival };
}

// ---------------------------------------------------------------------------------------------
// main: Redis, two nodes, workers, runs

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

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
    this.child.on('exit', (code) => {
      if (this.waiting) this.waiting.reject(new Error(`worker ${index} exited (${code})`));
    });
  }

  request(message, timeoutMs = 120_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${this.index}: no answer to ${message.cmd} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
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
    setTimeout(() => this.child.kill('SIGKILL'), 2_000).unref();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '5000' },
      rates: { type: 'string', default: '2000,5000,10000,20000,40000' },
      sweep: { type: 'boolean', default: false },
      signals: { type: 'string', default: '20000' },
      pairs: { type: 'string', default: '8' },
      workers: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '4000' },
      idle: { type: 'string', default: '3000' },
    },
  });
  const SIGNALS = Number(values.signals);
  const PAIRS = Number(values.pairs);
  const WORKERS = Math.min(Number(values.workers), PAIRS);
  const rates = values.sweep ? values.rates.split(',').map(Number) : [Number(values.rate)];

  const [{ startRedis, parseCommandStats }, { startNode }, { newUser }, { createRoom }] = await Promise.all([
    import('../lib/redis.js'),
    import('../lib/server.js'),
    import('../lib/jwt.js'),
    import('../lib/rest.js'),
  ]);
  const redis = await startRedis();
  const prefix = `bench${Math.random().toString(36).slice(2, 8)}:`;
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    RATE_LIMIT_EVENTS_PER_SEC: '1000000',
    RATE_LIMIT_BURST: '1000000',
    LOG_FORMAT: 'text',
  };
  const nodes = [];
  const workers = [];
  try {
    nodes.push(await startNode({ ...env, NODE_ID: 'bench-1' }));
    nodes.push(await startNode({ ...env, NODE_ID: 'bench-2' }));
    const [n1, n2] = nodes;
    console.log(`nodes ${n1.nodeId} (senders, port ${n1.port}) and ${n2.nodeId} (receivers, port ${n2.port}); ${PAIRS} pairs over ${WORKERS} worker processes`);

    const codes = [];
    for (let p = 0; p < PAIRS; p++) codes.push((await createRoom(n1, newUser(`Bench Host ${p}`))).code);
    for (let w = 0; w < WORKERS; w++) workers.push(new Worker(w));
    await Promise.all(
      workers.map((worker, w) =>
        worker.request({ cmd: 'setup', index: w, senderUrl: n1.url, receiverUrl: n2.url, codes: codes.filter((_, i) => i % WORKERS === w) }),
      ),
    );

    const stats = async () => parseCommandStats(await redis.cli('INFO', 'commandstats'));
    const run = async (rate, signals, runId) => {
      const before = await stats();
      const t0 = now();
      const results = await Promise.all(
        workers.map((worker) => worker.request({ cmd: 'run', runId, rate: rate / WORKERS, signals: Math.ceil(signals / WORKERS) })),
      );
      const afterStats = await stats();
      const t1 = now();
      const sum = (key) => results.reduce((a, r) => a + r[key], 0);
      const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
      const first = Math.min(...results.map((r) => r.started));
      const lastArrival = Math.max(...results.map((r) => r.lastArrival));
      const lastSend = Math.max(...results.map((r) => r.lastSend));
      const delta = (key) => (afterStats[key] ?? 0) - (before[key] ?? 0);
      return {
        rate,
        sent: sum('sent'),
        received: sum('received'),
        reordered: sum('reordered'),
        duplicates: sum('duplicates'),
        refused: sum('refused'),
        refusals: results.reduce((all, r) => {
          for (const [k, v] of Object.entries(r.refusals)) all[k] = (all[k] ?? 0) + v;
          return all;
        }, {}),
        latencies,
        throughput: sum('received') / ((lastArrival - first) / 1000),
        sendSeconds: (lastSend - first) / 1000,
        windowSeconds: (t1 - t0) / 1000,
        totalCalls: delta('total') - 1, // minus our own INFO
        publishCalls: delta('publish'),
      };
    };

    // the cluster's own background traffic (heartbeats, readiness pings, sweeps) per second
    const idleMs = Number(values.idle);
    const idleBefore = await stats();
    await sleep(idleMs);
    const idleAfter = await stats();
    const backgroundPerSecond = (idleAfter.total - idleBefore.total - 1) / (idleMs / 1000);
    console.log(`idle cluster: ${backgroundPerSecond.toFixed(1)} Redis commands/s of background traffic`);

    await run(Math.min(rates[0], 5000), Number(values.warmup), `warmup-${Date.now()}`);

    const rows = [];
    for (const rate of rates) {
      const r = await run(rate, SIGNALS, `run-${rate}-${Date.now()}`);
      const background = backgroundPerSecond * r.windowSeconds;
      const fmt = (v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
      const L = r.latencies;
      console.log(
        [
          `offered ${rate}/s, ${r.sent} signals over ${PAIRS} pairs (node 1 → node 2)`,
          `  sent ${r.sent}  received ${r.received}  lost ${r.sent - r.received}  reordered ${r.reordered}  duplicated ${r.duplicates}  refused ${r.refused}${r.refused ? ` ${JSON.stringify(r.refusals)}` : ''}`,
          `  one-way latency ms  p50 ${fmt(percentile(L, 0.5))}  p90 ${fmt(percentile(L, 0.9))}  p99 ${fmt(percentile(L, 0.99))}  max ${fmt(L.at(-1))}`,
          `  achieved ${r.throughput.toFixed(0)} signals/s (send phase ${r.sendSeconds.toFixed(2)} s)`,
          `  Redis per relayed signal: ${(r.publishCalls / r.received).toFixed(3)} PUBLISH, ${(r.totalCalls / r.received).toFixed(3)} commands in all` +
            ` (${((r.totalCalls - background) / r.received).toFixed(3)} without ~${background.toFixed(0)} background commands)`,
        ].join('\n'),
      );
      rows.push({ rate, achieved: r.throughput, p99: percentile(L, 0.99), lost: r.sent - r.received, reordered: r.reordered });
    }
    const dropped = redis.output().split('\n').filter((line) => /output buffer|closed ASAP/i.test(line));
    if (dropped.length) console.log(`Redis closed ${dropped.length} client connection(s) for their output buffer:\n  ${dropped.slice(0, 5).join('\n  ')}`);
    if (rows.length > 1) {
      console.log('\nsweep: offered/s  achieved/s  p99 ms  lost  reordered');
      for (const row of rows) {
        console.log(`  ${String(row.rate).padStart(8)}  ${row.achieved.toFixed(0).padStart(10)}  ${row.p99.toFixed(1).padStart(6)}  ${String(row.lost).padStart(4)}  ${String(row.reordered).padStart(9)}`);
      }
      // the knee: the highest offered rate that is still carried (≥ 95 %, nothing lost) with p99 under 50 ms
      const ok = rows.filter((row) => row.achieved >= 0.95 * row.rate && row.lost === 0 && row.p99 < 50);
      console.log(ok.length ? `knee: about ${ok.at(-1).rate}/s (highest offered rate carried in full with p99 < 50 ms)` : 'knee: below the lowest offered rate');
    }
  } finally {
    for (const worker of workers) worker.close();
    await Promise.all(nodes.map((node) => node.stop(5_000)));
    await redis.close();
  }
}

runBenchmark({ main, worker, minutes: 15 });
