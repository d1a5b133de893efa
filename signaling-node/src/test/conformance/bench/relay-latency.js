#!/usr/bin/env node
// One-way relay latency and throughput of `ice-candidate` signals through a signaling node.
//
//   node bench/relay-latency.js                       # starts a node from $SIGNALING_JAR
//   node bench/relay-latency.js http://127.0.0.1:3001 # uses a running node (JWT_SECRET from env)
//   options: --signals 20000 --rate 2000 --pairs 4 --mode fixed|max|both --warmup 2000
//
// Each pair is a sender and a receiver in a room of their own. A sender embeds
// performance.timeOrigin + performance.now() in every candidate; sender and receiver run
// in this one process, so the clocks agree. The node is started with the rate limit
// lifted (RATE_LIMIT_EVENTS_PER_SEC / RATE_LIMIT_BURST); a node given by URL must be too.
import { parseArgs } from 'node:util';
import { io } from 'socket.io-client';
import { newUser } from '../lib/jwt.js';
import { createRoom } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    signals: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '2000' },
    pairs: { type: 'string', default: '4' },
    mode: { type: 'string', default: 'both' },
    warmup: { type: 'string', default: '2000' },
  },
});
const SIGNALS = Number(values.signals);
const RATE = Number(values.rate);
const PAIRS = Number(values.pairs);
const WARMUP = Number(values.warmup);
const now = () => performance.timeOrigin + performance.now();

function connectGuest(url, name) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { displayName: name } });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function join(socket, code) {
  const ack = await socket.timeout(5_000).emitWithAck('join-room', { roomCode: code });
  if (!ack?.success) throw new Error(`join failed: ${JSON.stringify(ack)}`);
}

async function setUpPairs(target) {
  const pairs = [];
  for (let p = 0; p < PAIRS; p++) {
    const room = await createRoom(target, newUser(`Bench Host ${p}`, {}, process.env.JWT_SECRET ?? undefined));
    const sender = await connectGuest(target.url, `sender-${p}`);
    const receiver = await connectGuest(target.url, `receiver-${p}`);
    await join(sender, room.code);
    await join(receiver, room.code);
    pairs.push({ sender, receiver, room });
  }
  return pairs;
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Sends `signals` candidates spread over the pairs, at `rate` per second in total (or as
 * fast as possible when rate is Infinity), and measures what arrives.
 */
async function run(pairs, rate, label, signals, quiet = false) {
  const perPair = Math.ceil(signals / pairs.length);
  const latencies = [];
  let received = 0;
  let reordered = 0;
  let refused = 0;
  let lastArrival = now();
  let firstSend = 0;
  let lastSend = 0;
  const runId = `${label}-${Date.now()}`;

  for (const pair of pairs) {
    pair.lastSeq = -1;
    pair.receiver.off('ice-candidate');
    pair.sender.off('error');
    pair.sender.on('error', () => refused++);
    pair.receiver.on('ice-candidate', ({ candidate }) => {
      const t = now();
      const [id, seq, sentAt] = candidate.candidate.split('|');
      if (id !== runId) return;
      const n = Number(seq);
      if (n < pair.lastSeq) reordered++;
      else pair.lastSeq = n;
      latencies.push(t - Number(sentAt));
      received++;
      lastArrival = t;
    });
  }

  const started = now();
  firstSend = started;
  await Promise.all(
    pairs.map(
      (pair) =>
        new Promise((resolve) => {
          let sent = 0;
          const targetId = pair.receiver.id;
          const perPairRate = rate / pairs.length;
          const tick = () => {
            const due = rate === Infinity ? sent + 200 : Math.min(perPair, Math.floor(((now() - started) / 1000) * perPairRate));
            while (sent < due && sent < perPair) {
              pair.sender.emit('ice-candidate', {
                targetId,
                candidate: { candidate: `${runId}|${sent}|${now()}`, sdpMid: '0', sdpMLineIndex: 0 },
              });
              sent++;
            }
            if (sent >= perPair) {
              lastSend = Math.max(lastSend, now());
              resolve();
            } else if (rate === Infinity) setImmediate(tick);
            else setTimeout(tick, 1);
          };
          tick();
        }),
    ),
  );
  const total = perPair * pairs.length;
  // wait until everything arrived or nothing arrived for 3 s
  while (received < total && now() - Math.max(lastArrival, lastSend) < 3_000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  latencies.sort((a, b) => a - b);
  const seconds = (lastArrival - firstSend) / 1000;
  const fmt = (v) => v.toFixed(2);
  if (quiet) return;
  console.log(
    [
      `${label}: offered ${rate === Infinity ? 'max' : `${rate}/s`} over ${pairs.length} pairs`,
      `  sent ${total}  received ${received}  lost ${total - received}  reordered ${reordered}  refused ${refused}`,
      `  latency ms  p50 ${fmt(percentile(latencies, 0.5))}  p90 ${fmt(percentile(latencies, 0.9))}  p99 ${fmt(percentile(latencies, 0.99))}  max ${fmt(latencies.at(-1) ?? NaN)}`,
      `  throughput ${(received / seconds).toFixed(0)} signals/s (send phase ${((lastSend - firstSend) / 1000).toFixed(2)} s)`,
    ].join('\n'),
  );
}

async function main() {
  let node;
  let target;
  if (positionals[0]) {
    const url = positionals[0].replace(/\/$/, '');
    target = { url };
  } else {
    node = await startNode({ NODE_ID: 'bench', RATE_LIMIT_EVENTS_PER_SEC: '1000000', RATE_LIMIT_BURST: '1000000' });
    target = node;
    console.log(`started node ${node.nodeId} on port ${node.port}`);
  }
  try {
    const pairs = await setUpPairs(target);
    // warm-up (not reported): lets the server's JIT compile the relay path
    await run(pairs, RATE, 'warm-up', Math.min(WARMUP, SIGNALS), true);
    if (values.mode === 'fixed' || values.mode === 'both') await run(pairs, RATE, 'fixed-rate', SIGNALS);
    if (values.mode === 'max' || values.mode === 'both') await run(pairs, Infinity, 'max-throughput', SIGNALS);
    for (const pair of pairs) {
      pair.sender.disconnect();
      pair.receiver.disconnect();
    }
  } finally {
    await node?.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
