#!/usr/bin/env node
// Relay of realistic traffic (issue 13): cross-node pairs, realistic payloads, default limits.
//
//   node bench/relay-load.js [--payload offer|ice] [--pairs 100] [--rate 5000] [--duration 10] [--warmup 30]
//                            [--fresh] [--quiet 5] [--workers 2] [--jar A.jar --jar B.jar] [--rounds 1] [--jfr file.jfr]
//                            [--jfr-node receiver|sender|both] [--node-warmup 5s]
//
// Every round starts its own Redis and two nodes (the jar of that round: $SIGNALING_JAR or each --jar in
// turn, alternating the order from round to round) with the DEFAULT limits (50 events/s per socket, burst
// 100). Each pair is a sender on node 1 and a receiver on node 2 in a room of their own; `--workers`
// generator processes hold the pairs and pace every pair's sends evenly (phase-shifted, so that the offered
// rate is smooth). Both ends of a pair live in one process, so the send timestamp in the payload and the
// arrival time come from one clock. `--warmup` seconds of the same traffic run before the measured
// `--duration` seconds; `--fresh` skips the warm-up (the nodes' first seconds after becoming ready). Traffic starts
// once both nodes answer /readyz 200, as a balancer would send it; `--node-warmup` sets the nodes' own WARMUP
// (default: the node's default; builds without it are ready at once). A run ends
// when everything arrived or nothing did for `--quiet` seconds after the last send; what is missing then is lost.
//
// Figures (none asserted): sent / received / lost / refused by code / reordered, one-way latency
// p50/p90/p99/max, the CPU each node process, Redis and the generator (workers + this process) used per
// 1,000 delivered signals (utime+stime from /proc/<pid>/stat over the measured window, from the first send
// to the last arrival), and Redis commands per signal (INFO commandstats over the same window; commands a
// Lua script issues are counted too, e.g. the XADD and PUBLISH inside the logged publish script).
// With several rounds or jars, a table per jar with the medians across rounds ends the output.
// `--jfr file` records the node(s) with -XX:StartFlightRecording=settings=profile (file name gets the
// round, jar and node index).
import { fork } from 'node:child_process';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectSocket, cpuMs, median, percentile } from './measure.js';
import { runBenchmark } from './run.js';

const self = fileURLToPath(import.meta.url);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// payloads

// A Chrome-like offer (audio + video, BUNDLE, ICE credentials, DTLS fingerprint, codecs, RTP header
// extensions, SSRCs) with CRLF lines, about 3 KB. `s=` carries the benchmark's tag.
const OFFER_BODY = [
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  'S',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS 5c6f1e3a-9a3b-4b7e-8d63-2a1f0c9e7b41',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:Qm7x',
  'a=ice-pwd:8ZbFjUq4r1yT0vXcLw2kS9dN',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 4A:9C:1E:77:0B:D2:5F:3A:88:C1:6E:02:F4:9B:2D:7C:11:A5:E8:3F:60:4D:BB:92:07:CE:58:1A:F3:26:9D:E0',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=sendrecv',
  'a=msid:5c6f1e3a-9a3b-4b7e-8d63-2a1f0c9e7b41 0d6b3c2e-71f4-4d8a-a5e2-9c3b7f1d6e05',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:3184729461 cname:Hq3v9LkT0pWz2XcY',
  'a=ssrc:3184729461 msid:5c6f1e3a-9a3b-4b7e-8d63-2a1f0c9e7b41 0d6b3c2e-71f4-4d8a-a5e2-9c3b7f1d6e05',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 98 99',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:Qm7x',
  'a=ice-pwd:8ZbFjUq4r1yT0vXcLw2kS9dN',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 4A:9C:1E:77:0B:D2:5F:3A:88:C1:6E:02:F4:9B:2D:7C:11:A5:E8:3F:60:4D:BB:92:07:CE:58:1A:F3:26:9D:E0',
  'a=setup:actpass',
  'a=mid:1',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=sendrecv',
  'a=msid:5c6f1e3a-9a3b-4b7e-8d63-2a1f0c9e7b41 8e2f4a6c-3b1d-4c9e-b7a5-1f0d2e3c4b6a',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 goog-remb',
  'a=rtcp-fb:96 transport-cc',
  'a=rtcp-fb:96 ccm fir',
  'a=rtcp-fb:96 nack',
  'a=rtcp-fb:96 nack pli',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000',
  'a=rtcp-fb:102 goog-remb',
  'a=rtcp-fb:102 transport-cc',
  'a=rtcp-fb:102 ccm fir',
  'a=rtcp-fb:102 nack',
  'a=rtcp-fb:102 nack pli',
  'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
  'a=rtpmap:103 rtx/90000',
  'a=fmtp:103 apt=102',
  'a=rtpmap:98 VP9/90000',
  'a=rtcp-fb:98 transport-cc',
  'a=fmtp:98 profile-id=0',
  'a=rtpmap:99 rtx/90000',
  'a=fmtp:99 apt=98',
  'a=ssrc-group:FID 2401837265 1129384756',
  'a=ssrc:2401837265 cname:Hq3v9LkT0pWz2XcY',
  'a=ssrc:2401837265 msid:5c6f1e3a-9a3b-4b7e-8d63-2a1f0c9e7b41 8e2f4a6c-3b1d-4c9e-b7a5-1f0d2e3c4b6a',
  'a=ssrc:1129384756 cname:Hq3v9LkT0pWz2XcY',
  'a=ssrc:1129384756 msid:5c6f1e3a-9a3b-4b7e-8d63-2a1f0c9e7b41 8e2f4a6c-3b1d-4c9e-b7a5-1f0d2e3c4b6a',
];
const [OFFER_HEAD, OFFER_TAIL] = (() => {
  const at = OFFER_BODY.indexOf('S');
  return ['v=0\r\n' + OFFER_BODY.slice(0, at).join('\r\n') + '\r\ns=', '\r\n' + OFFER_BODY.slice(at + 1).join('\r\n') + '\r\n'];
})();

const PAYLOADS = {
  offer: {
    event: 'offer',
    make: (targetId, tag) => ({ targetId, sdp: { type: 'offer', sdp: OFFER_HEAD + tag + OFFER_TAIL } }),
    tag: (data) => {
      const sdp = data?.sdp?.sdp ?? '';
      const at = sdp.indexOf('\r\ns=');
      return at < 0 ? '' : sdp.slice(at + 4, sdp.indexOf('\r\n', at + 4));
    },
  },
  ice: {
    event: 'ice-candidate',
    make: (targetId, tag) => ({
      targetId,
      candidate: { candidate: `candidate:${tag} 1 udp 2122260223 192.0.2.10 54321 typ host generation 0 ufrag Qm7x network-id 1`, sdpMid: '0', sdpMLineIndex: 0 },
    }),
    tag: (data) => {
      const c = data?.candidate?.candidate ?? '';
      return c.slice(10, c.indexOf(' '));
    },
  },
};

// ---------------------------------------------------------------------------------------------
// worker: holds pairs, sends at its share of the rate and reports what arrived

function connectGuest(url, name) {
  return connectSocket(url, { displayName: name }, name);
}

/** Connects, retrying a refused handshake (a node just started may still answer UNAVAILABLE) for up to 10 s. */
async function connectWithRetry(url, name) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await connectGuest(url, name);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

async function joinRoom(socket, code) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ack = await socket.timeout(10_000).emitWithAck('join-room', { roomCode: code });
    if (ack?.success) return;
    if (ack?.code !== 'UNAVAILABLE' || Date.now() > deadline) throw new Error(`join failed: ${JSON.stringify(ack)}`);
    await sleep(250);
  }
}

async function worker() {
  let pairs = [];
  process.on('message', async (message) => {
    try {
      if (message.cmd === 'setup') {
        pairs = await Promise.all(
          message.codes.map(async (code, i) => {
            const sender = await connectWithRetry(message.senderUrl, `sender-${message.index}-${i}`);
            const receiver = await connectWithRetry(message.receiverUrl, `receiver-${message.index}-${i}`);
            await joinRoom(sender, code);
            await joinRoom(receiver, code);
            return { sender, receiver };
          }),
        );
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

/** Sends `perPairRate` signals/s on every pair for `seconds`, then waits for the stragglers. */
async function runPairs(pairs, { runId, payload, perPairRate, seconds, phase, quietMs }) {
  const kind = PAYLOADS[payload];
  const perPair = Math.round(perPairRate * seconds);
  const latencies = [];
  const refusals = {};
  const disconnects = {};
  let received = 0;
  let reordered = 0;
  let duplicates = 0;
  let lastArrival = 0;
  for (const pair of pairs) {
    pair.seen = new Uint8Array(perPair);
    pair.lastSeq = -1;
    pair.receiver.off(kind.event);
    pair.sender.off('error');
    for (const socket of [pair.sender, pair.receiver]) {
      socket.off('disconnect');
      socket.on('disconnect', (reason) => {
        disconnects[reason] = (disconnects[reason] ?? 0) + 1;
      });
    }
    pair.sender.on('error', (e) => {
      const key = e?.code ?? String(e?.message ?? e);
      refusals[key] = (refusals[key] ?? 0) + 1;
    });
    pair.receiver.on(kind.event, (data) => {
      const t = now();
      const [id, seq, sentAt] = kind.tag(data).split('|');
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
  const interval = 1000 / perPairRate;
  const started = now();
  let lastSend = started;
  // one timer loop for all pairs: pair i sends its k-th signal at started + (k + offset_i) * interval
  await new Promise((resolveSends) => {
    const sent = new Array(pairs.length).fill(0);
    const offsets = pairs.map((_, i) => (i + phase) / pairs.length);
    const tick = () => {
      const elapsed = (now() - started) / interval;
      let done = true;
      for (let i = 0; i < pairs.length; i++) {
        const due = Math.min(perPair, Math.floor(elapsed - offsets[i]) + 1);
        const pair = pairs[i];
        while (sent[i] < due) {
          pair.sender.emit(kind.event, kind.make(pair.receiver.id, `${runId}|${sent[i]}|${now()}`));
          sent[i]++;
        }
        if (sent[i] < perPair) done = false;
      }
      if (done) {
        lastSend = now();
        resolveSends();
      } else {
        setTimeout(tick, 1);
      }
    };
    tick();
  });
  const total = perPair * pairs.length;
  while (received < total && now() - Math.max(lastArrival, lastSend) < quietMs) await sleep(20);
  return { sent: total, received, reordered, duplicates, refusals, disconnects, latencies, started, lastSend, lastArrival };
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
    this.child.on('exit', (code) => {
      if (this.waiting) this.waiting.reject(new Error(`worker ${index} exited (${code})`));
    });
  }

  request(message, timeoutMs = 180_000) {
    return new Promise((resolveRequest, rejectRequest) => {
      const timer = setTimeout(() => rejectRequest(new Error(`worker ${this.index}: no answer to ${message.cmd} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting = {
        resolve: (v) => {
          clearTimeout(timer);
          resolveRequest(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          rejectRequest(e);
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

/** Polls a node's /readyz until 200; resolves with the milliseconds that took. */
async function untilReady(node, timeoutMs = 30_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const status = await fetch(`${node.mgmtUrl}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0);
    if (status === 200) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node ${node.nodeId} not ready within ${timeoutMs} ms`);
}

/** One round: its own Redis and two nodes of `jar`, set up, warmed up (unless fresh), measured. */
async function round({ jar, label, roundNo, opts, libs }) {
  const { startRedis, parseCommandStats, startNode, newUser, createRoom } = libs;
  const redis = await startRedis({ controllable: true, quiet: true });
  // WARMUP: the node's own default unless --node-warmup says otherwise (the test harness turns it off)
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: `load${Math.random().toString(36).slice(2, 8)}:`, LOG_FORMAT: 'text', WARMUP: opts.nodeWarmup ?? null };
  const jfrFor = (index) => {
    if (!opts.jfr) return {};
    const wanted = opts.jfrNode === 'both' || (opts.jfrNode === 'sender' ? index === 1 : index === 2);
    if (!wanted) return {};
    const file = opts.jfr.replace(/(\.jfr)?$/, `-r${roundNo}-${label}-node${index}.jfr`);
    return { JAVA_TOOL_OPTIONS: `-XX:StartFlightRecording=settings=profile,filename=${resolve(file)}` };
  };
  const nodes = [];
  const workers = [];
  try {
    nodes.push(await startNode({ ...env, NODE_ID: 'load-1', ...jfrFor(1) }, { jar }));
    nodes.push(await startNode({ ...env, NODE_ID: 'load-2', ...jfrFor(2) }, { jar }));
    const [n1, n2] = nodes;
    // traffic starts when both report ready, as a balancer would send it (a node warms itself up before that)
    const readyMs = await Promise.all(nodes.map((node) => untilReady(node)));
    const codes = [];
    for (let p = 0; p < opts.pairs; p++) codes.push((await createRoom(n1, newUser(`Load Host ${p}`))).code);
    for (let w = 0; w < opts.workers; w++) workers.push(new Worker(w));
    await Promise.all(
      workers.map((worker, w) =>
        worker.request({ cmd: 'setup', index: w, senderUrl: n1.url, receiverUrl: n2.url, codes: codes.filter((_, i) => i % opts.workers === w) }),
      ),
    );
    const perPairRate = opts.rate / opts.pairs;
    const send = (runId, seconds) =>
      Promise.all(workers.map((worker, w) => worker.request({ cmd: 'run', runId, payload: opts.payload, perPairRate, seconds, phase: w / opts.workers, quietMs: opts.quiet * 1000 })));
    if (!opts.fresh && opts.warmup > 0) await send(`warm${Date.now()}`, opts.warmup);

    const pids = { node1: n1.pid, node2: n2.pid, redis: redis.pid, generator: [process.pid, ...workers.map((w) => w.child.pid)] };
    const cpu = () => ({
      node1: cpuMs(pids.node1),
      node2: cpuMs(pids.node2),
      redis: cpuMs(pids.redis),
      generator: pids.generator.reduce((a, pid) => a + cpuMs(pid), 0),
    });
    // the nodes' own counters (errors by code, events received and sent, full queues), to compare with what the
    // generator saw: a refusal the client never hears of shows here
    const counters = async (node) => {
      const text = await fetch(`${node.mgmtUrl}/metrics`).then((r) => r.text()).catch(() => '');
      const values = {};
      for (const line of text.split('\n')) {
        const m = /^signaling_(errors|events_received|events_sent|events_queue_full|slow_consumers_closed)[a-z_]*(\{[^}]*\})? ([0-9.eE+]+)$/.exec(line);
        if (m && Number(m[3]) > 0) values[`${m[1]}${m[2] ?? ''}`] = Number(m[3]);
      }
      return values;
    };
    const countersBefore = await Promise.all(nodes.map(counters));
    const statsBefore = parseCommandStats(await redis.cli('INFO', 'commandstats'));
    const cpuBefore = cpu();
    const results = await send(`run${Date.now()}`, opts.duration);
    const cpuAfter = cpu();
    const statsAfter = parseCommandStats(await redis.cli('INFO', 'commandstats'));
    const countersAfter = await Promise.all(nodes.map(counters));
    const nodeCounters = countersAfter.map((after, i) => {
      const delta = {};
      for (const [k, v] of Object.entries(after)) if (v - (countersBefore[i][k] ?? 0) > 0) delta[k] = v - (countersBefore[i][k] ?? 0);
      return delta;
    });

    const sum = (key) => results.reduce((a, r) => a + r[key], 0);
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const refusals = {};
    const disconnects = {};
    for (const r of results) for (const [k, v] of Object.entries(r.refusals)) refusals[k] = (refusals[k] ?? 0) + v;
    for (const r of results) for (const [k, v] of Object.entries(r.disconnects)) disconnects[k] = (disconnects[k] ?? 0) + v;
    const received = sum('received');
    const perK = (key) => ((cpuAfter[key] - cpuBefore[key]) * 1000) / Math.max(1, received);
    const commands = {};
    for (const [key, value] of Object.entries(statsAfter)) {
      const delta = value - (statsBefore[key] ?? 0) - (key === 'info' || key === 'total' ? 1 : 0);
      if (delta > 0) commands[key] = delta / Math.max(1, received);
    }
    const first = Math.min(...results.map((r) => r.started));
    const last = Math.max(...results.map((r) => r.lastArrival));
    return {
      label,
      readyMs,
      sent: sum('sent'),
      received,
      lost: sum('sent') - received,
      refused: Object.values(refusals).reduce((a, b) => a + b, 0),
      refusals,
      disconnects,
      nodeCounters,
      reordered: sum('reordered'),
      duplicates: sum('duplicates'),
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1),
      achieved: received / ((last - first) / 1000),
      cpu: { node1: perK('node1'), node2: perK('node2'), redis: perK('redis'), generator: perK('generator') },
      commands,
    };
  } finally {
    for (const worker of workers) worker.close();
    await Promise.all(nodes.map((node) => node.stop(10_000)));
    await redis.close();
  }
}

function printRun(r, roundNo) {
  const f = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  const cmds = Object.entries(r.commands)
    .filter(([k, v]) => k !== 'total' && v >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
  console.log(
    [
      `round ${roundNo} [${r.label}]  (nodes ready ${r.readyMs.join(' / ')} ms after their start line)`,
      `  sent ${r.sent}  received ${r.received}  lost ${r.lost}  refused ${r.refused}${r.refused ? ` ${JSON.stringify(r.refusals)}` : ''}  reordered ${r.reordered}  duplicated ${r.duplicates}  (${r.achieved.toFixed(0)}/s delivered)` +
        (Object.keys(r.disconnects).length ? `\n  sockets disconnected during the run: ${JSON.stringify(r.disconnects)}` : ''),
      `  one-way latency ms  p50 ${f(r.p50, 2)}  p90 ${f(r.p90, 2)}  p99 ${f(r.p99, 2)}  max ${f(r.max, 2)}`,
      `  CPU ms per 1,000 delivered  sender node ${f(r.cpu.node1)}  receiving node ${f(r.cpu.node2)}  nodes ${f(r.cpu.node1 + r.cpu.node2)}  Redis ${f(r.cpu.redis)}  generator ${f(r.cpu.generator)}`,
      `  Redis commands per signal ${f(r.commands.total ?? 0, 2)} (${cmds})`,
      ...r.nodeCounters.map((c, i) => `  node ${i + 1} counters over the run: ${JSON.stringify(c)}`),
    ].join('\n'),
  );
}

function printTable(byLabel, rounds) {
  const columns = [
    ['lost', (r) => r.lost, 0],
    ['refused', (r) => r.refused, 0],
    ['reord', (r) => r.reordered, 0],
    ['p50', (r) => r.p50, 1],
    ['p90', (r) => r.p90, 1],
    ['p99', (r) => r.p99, 1],
    ['max', (r) => r.max, 0],
    ['cpu n1', (r) => r.cpu.node1, 1],
    ['cpu n2', (r) => r.cpu.node2, 1],
    ['nodes', (r) => r.cpu.node1 + r.cpu.node2, 1],
    ['redis', (r) => r.cpu.redis, 1],
    ['gen', (r) => r.cpu.generator, 1],
    ['cmd/sig', (r) => r.commands.total ?? 0, 2],
  ];
  console.log(`\nmedians across ${rounds} round(s) (latency ms, CPU ms per 1,000 delivered)`);
  console.log(`| jar | ${columns.map(([name]) => name).join(' | ')} |`);
  console.log(`|---|${columns.map(() => '---:').join('|')}|`);
  for (const [label, runs] of byLabel) {
    console.log(`| ${label} | ${columns.map(([, get, d]) => median(runs.map(get)).toFixed(d)).join(' | ')} |`);
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      payload: { type: 'string', default: 'offer' },
      pairs: { type: 'string', default: '100' },
      rate: { type: 'string', default: '5000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '30' },
      fresh: { type: 'boolean', default: false },
      quiet: { type: 'string', default: '5' },
      workers: { type: 'string', default: '2' },
      jar: { type: 'string', multiple: true },
      rounds: { type: 'string', default: '1' },
      jfr: { type: 'string' },
      'jfr-node': { type: 'string', default: 'receiver' },
      'node-warmup': { type: 'string' },
    },
  });
  if (!PAYLOADS[values.payload]) throw new Error(`--payload must be one of ${Object.keys(PAYLOADS).join(', ')}`);
  const opts = {
    payload: values.payload,
    pairs: Number(values.pairs),
    rate: Number(values.rate),
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    fresh: values.fresh,
    quiet: Number(values.quiet),
    workers: Math.min(Number(values.workers), Number(values.pairs)),
    jfr: values.jfr,
    jfrNode: values['jfr-node'],
    nodeWarmup: values['node-warmup'],
  };
  const [{ startRedis, parseCommandStats }, { startNode, JAR }, { newUser }, { createRoom }] = await Promise.all([
    import('../lib/redis.js'),
    import('../lib/server.js'),
    import('../lib/jwt.js'),
    import('../lib/rest.js'),
  ]);
  const libs = { startRedis, parseCommandStats, startNode, newUser, createRoom };
  const jars = (values.jar?.length ? values.jar : [JAR]).map((j) => resolve(j));
  const labels = jars.map((j, i) => (jars.length > 1 ? `${String.fromCharCode(65 + i)}:${basename(j)}` : basename(j)));
  const rounds = Number(values.rounds);
  const sample = PAYLOADS[opts.payload].make('x'.repeat(20), 'run0000000000000|0|1765000000000.123');
  console.log(
    `relay-load: ${opts.pairs} cross-node pairs, ${opts.payload} (${JSON.stringify(sample).length} bytes of JSON per event), ` +
      `${opts.rate}/s offered for ${opts.duration} s, ${opts.fresh ? 'fresh nodes (no warm-up)' : `after a ${opts.warmup} s warm-up`}, ` +
      `default limits, ${opts.workers} generator process(es), ${rounds} round(s) of ${labels.join(' / ')}`,
  );
  const byLabel = new Map(labels.map((l) => [l, []]));
  for (let r = 1; r <= rounds; r++) {
    const order = jars.map((_, i) => i);
    if (r % 2 === 0) order.reverse();
    for (const i of order) {
      const result = await round({ jar: jars[i], label: labels[i], roundNo: r, opts, libs });
      printRun(result, r);
      byLabel.get(labels[i]).push(result);
    }
  }
  printTable(byLabel, rounds);
}

runBenchmark({ main, worker, minutes: 30 });
