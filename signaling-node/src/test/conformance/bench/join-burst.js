#!/usr/bin/env node
// Join burst (issues 12 and 13): authenticated clients, spread over two nodes on one Redis, all join a few
// rooms at once.
//
//   node bench/join-burst.js [--clients 500] [--rooms 10] [--workers 2] [--warmups 1] [--fresh]
//                            [--jar A.jar --jar B.jar] [--rounds 1]
//
// Every round starts its own Redis and two nodes (the jar of that round; with several jars the order is reversed
// every other round) with the default limits, creates `--rooms` rooms (room size: the clients it gets), and has
// `--workers` generator processes connect `--clients` authenticated users over websocket, alternately to node 1
// and node 2. Then every client sends `join-room` at the same moment, and the time to its acknowledgement is
// measured; everyone leaves again. `--warmups` such bursts run before the measured one (`--fresh`: none).
// Figures (none asserted): joined / refused by code, ack latency p50/p90/p99/max of the measured burst, and the
// CPU each node and Redis used over it. With several rounds or jars, a table of medians per jar ends the output.
import { fork } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectSocket, cpuMs, median, percentile } from './measure.js';
import { runBenchmark } from './run.js';

const self = fileURLToPath(import.meta.url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// worker: holds its share of the clients, joins them at once on request

const connect = (url, token) => connectSocket(url, { token }, 'a burst client');

function worker() {
  const clients = [];
  process.on('message', async (msg) => {
    try {
      if (msg.cmd === 'setup') {
        for (const c of msg.clients) {
          for (let attempt = 0; ; attempt++) {
            try {
              const socket = await connect(c.url, c.token);
              // the room id from room-joined, for the leave-room after the burst
              socket.on('room-joined', (data) => (socket.joinedRoom = data.roomId));
              clients.push({ socket, code: c.code });
              break;
            } catch (error) {
              if (attempt >= 40) throw error;
              await sleep(250); // a node that sheds newcomers answers UNAVAILABLE for a moment
            }
          }
        }
        process.send({ ok: true });
      } else if (msg.cmd === 'burst') {
        const results = await Promise.all(
          clients.map(async ({ socket, code }) => {
            const start = performance.now();
            try {
              const ack = await socket.timeout(30_000).emitWithAck('join-room', { roomCode: code });
              return { ms: performance.now() - start, code: ack?.success ? 'OK' : ack?.code ?? 'NO_ACK' };
            } catch {
              return { ms: performance.now() - start, code: 'TIMEOUT' };
            }
          }),
        );
        // everyone leaves again, so that the next burst seats them anew
        await Promise.all(
          clients.map(({ socket }, i) =>
            results[i].code === 'OK'
              ? socket.timeout(30_000).emitWithAck('leave-room', { roomId: socket.joinedRoom }).catch(() => null)
              : null,
          ),
        );
        process.send({ ok: true, results });
      } else if (msg.cmd === 'close') {
        for (const { socket } of clients) socket.close();
        process.send({ ok: true });
        setTimeout(() => process.exit(0), 100);
      }
    } catch (error) {
      process.send({ ok: false, error: String(error) });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// main

function request(child, msg) {
  return new Promise((resolveReply, rejectReply) => {
    child.once('message', (reply) => (reply.ok ? resolveReply(reply) : rejectReply(new Error(reply.error))));
    child.send(msg);
  });
}

async function round({ jar, label, roundNo, opts, libs }) {
  const { startRedis, startNode, newUser, createRoom } = libs;
  const redis = await startRedis({ controllable: true, quiet: true });
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: `join${Math.random().toString(36).slice(2, 8)}:`, LOG_FORMAT: 'text' };
  const nodes = [];
  const children = [];
  try {
    nodes.push(await startNode({ ...env, NODE_ID: 'join-1' }, { jar }));
    nodes.push(await startNode({ ...env, NODE_ID: 'join-2' }, { jar }));
    const perRoom = Math.ceil(opts.clients / opts.rooms);
    const codes = [];
    for (let r = 0; r < opts.rooms; r++) {
      codes.push((await createRoom(nodes[r % 2], newUser(`Burst Host ${r}`), { maxParticipants: Math.min(100, perRoom + 1) })).code);
    }
    const clients = Array.from({ length: opts.clients }, (_, i) => ({
      url: nodes[i % 2].url,
      token: newUser(`Burst ${i}`).token,
      code: codes[i % opts.rooms],
    }));
    for (let w = 0; w < opts.workers; w++) children.push(fork(self, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await Promise.all(children.map((child, w) => request(child, { cmd: 'setup', clients: clients.filter((_, i) => i % opts.workers === w) })));
    const burst = async () => (await Promise.all(children.map((child) => request(child, { cmd: 'burst' })))).flatMap((r) => r.results);
    for (let i = 0; i < (opts.fresh ? 0 : opts.warmups); i++) {
      await burst();
      await sleep(1000);
    }
    const pids = [...nodes.map((n) => n.pid), redis.pid];
    const before = pids.map(cpuMs);
    const results = await burst();
    const cpu = pids.map((pid, i) => cpuMs(pid) - before[i]);
    const ok = results.filter((r) => r.code === 'OK').map((r) => r.ms).sort((a, b) => a - b);
    const refused = {};
    for (const r of results) if (r.code !== 'OK') refused[r.code] = (refused[r.code] ?? 0) + 1;
    const run = {
      label,
      joined: ok.length,
      refused: results.length - ok.length,
      p50: percentile(ok, 0.5),
      p90: percentile(ok, 0.9),
      p99: percentile(ok, 0.99),
      max: ok.at(-1) ?? NaN,
      cpuNode1: cpu[0],
      cpuNode2: cpu[1],
      cpuRedis: redis.pid ? cpu[2] : NaN,
    };
    console.log(`round ${roundNo} [${label}]`);
    console.log(`  joined ${run.joined} of ${results.length}  refused ${run.refused} ${JSON.stringify(refused)}`);
    console.log(`  join ack ms  p50 ${run.p50.toFixed(1)}  p90 ${run.p90.toFixed(1)}  p99 ${run.p99.toFixed(1)}  max ${run.max.toFixed(1)}`);
    console.log(`  CPU ms over the burst  node 1 ${run.cpuNode1}  node 2 ${run.cpuNode2}  Redis ${run.cpuRedis}`);
    return run;
  } finally {
    await Promise.all(children.map((child) => request(child, { cmd: 'close' }).catch(() => child.kill())));
    await Promise.all(nodes.map((n) => n.stop(5_000).catch(() => {})));
    await redis.close();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '500' },
      rooms: { type: 'string', default: '10' },
      workers: { type: 'string', default: '2' },
      warmups: { type: 'string', default: '1' },
      fresh: { type: 'boolean', default: false },
      jar: { type: 'string', multiple: true },
      rounds: { type: 'string', default: '1' },
    },
  });
  const opts = {
    clients: Number(values.clients),
    rooms: Number(values.rooms),
    workers: Number(values.workers),
    warmups: Number(values.warmups),
    fresh: values.fresh,
    rounds: Number(values.rounds),
  };
  const [{ startRedis }, { startNode, JAR }, { newUser }, { createRoom }] = await Promise.all([
    import('../lib/redis.js'),
    import('../lib/server.js'),
    import('../lib/jwt.js'),
    import('../lib/rest.js'),
  ]);
  const libs = { startRedis, startNode, newUser, createRoom };
  const jars = (values.jar?.length ? values.jar : [JAR]).map((jar, i) => ({ jar, label: `${String.fromCharCode(65 + i)}:${basename(jar)}` }));
  console.log(
    `join-burst: ${opts.clients} authenticated clients on 2 nodes join ${opts.rooms} rooms at once, ` +
      `${opts.fresh ? 'fresh nodes' : `after ${opts.warmups} warm-up burst(s)`}, ${opts.rounds} round(s) of ${jars.map((j) => j.label).join(' / ')}`,
  );
  const byLabel = new Map(jars.map((j) => [j.label, []]));
  for (let r = 1; r <= opts.rounds; r++) {
    const order = r % 2 === 1 ? jars : [...jars].reverse();
    for (const { jar, label } of order) byLabel.get(label).push(await round({ jar, label, roundNo: r, opts, libs }));
  }
  console.log(`medians across ${opts.rounds} round(s) (join ack ms; CPU ms of each node over the burst)`);
  console.log('| jar | joined | refused | p50 | p90 | p99 | max | cpu n1 | cpu n2 | redis |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [label, runs] of byLabel) {
    const m = (key) => median(runs.map((run) => run[key]));
    console.log(
      `| ${label} | ${m('joined')} | ${m('refused')} | ${m('p50').toFixed(1)} | ${m('p90').toFixed(1)} | ${m('p99').toFixed(1)} | ${m('max').toFixed(1)} | ${m('cpuNode1')} | ${m('cpuNode2')} | ${m('cpuRedis')} |`,
    );
  }
}

runBenchmark({ main, worker, minutes: 20 });
