// The attack that test/abuse/ runs against one node and against three nodes: bystanders in two rooms, hostile
// clients flooding and not reading, then what must hold during and after (PROTOCOL.md §7, §8).
import assert from 'node:assert/strict';
import { HEAP_BOUND_BYTES, RESPONSIVE_MS, attack, heapSampler, metric, redisKeys, slowCalls, watchSlowCalls, watchdog } from './abuse.js';
import { eventually } from './cluster.js';
import { meeting } from './fixtures.js';
import { guest } from './peer.js';
import { lookupCode } from './rest.js';

const LONG_CHAT = 'x'.repeat(2_000);
/** A Redis call longer than this blocks every node's traffic noticeably. */
const BLOCKING_MICROS = 100_000;

/**
 * Seats a big room on `nodes[0]` (a host, `guests` guests and 50 chat messages of 2,000 characters, so that its
 * `room-joined` is about 100 KB) and a bystander pair on the last node. Resolves with what the attack needs.
 */
export async function setUp(nodes, { guests = 10 } = {}) {
  const big = await meeting(nodes[0], { guests: Array.from({ length: guests }, (_, i) => `Guest ${i}`) });
  for (let i = 0; i < 50; i++) {
    const sender = big.everyone[i % big.everyone.length];
    const ack = await sender.ack('chat-message', { roomId: big.room.id, content: LONG_CHAT });
    assert.equal(ack.success, true, `chat ${i}: ${JSON.stringify(ack)}`);
  }
  const last = nodes.at(-1);
  const pair = await meeting(last, { guests: ['Receiver'] });
  for (const peer of [...big.everyone, ...pair.everyone]) peer.clear();
  return { big, pair, bystanders: big.everyone.length + pair.everyone.length };
}

/**
 * Runs four non-reading attackers (two packing CONNECTs and events into frames, two re-sending join-room for the
 * big room), a burst-and-pause flooder and a repeated-CONNECT client against `target`, while the watchdog
 * measures the bystander pair on `watched` and the heap of `target` is sampled. Resolves with every figure.
 */
export async function runAttack(target, watched, { big, pair }, durationMs = 15_000) {
  const dog = watchdog(watched, { sender: pair.host, receiver: pair.guests[0] });
  const heap = heapSampler(target);
  const reports = await Promise.all([
    attack(target, 'packed-connect', { durationMs }),
    attack(target, 'packed-connect', { durationMs }),
    attack(target, 'join-repeat', { durationMs, roomCode: big.room.code, perSecond: 40 }),
    attack(target, 'join-repeat', { durationMs, roomCode: big.room.code, perSecond: 40 }),
    attack(target, 'burst-pause', { durationMs: Math.max(durationMs, 24_000), burst: 5_000, pauseMs: 2_000 }),
    attack(target, 'pid-reconnect', { durationMs, connections: 20, connects: 50 }),
  ]);
  const watched_ = await dog.stop();
  const heapFigures = await heap.stop();
  return { reports, watched: watched_, heap: heapFigures };
}

/** Prints the figures (the suite's output is read by people too) and asserts what must hold during the attack. */
export function assertHeldUp(label, { reports, watched, heap }, durationMs = 15_000) {
  console.log(`# abuse ${label}: heap after GC max ${(heap.max / 1048576).toFixed(1)} MiB, samples ${heap.samples
    .map((s) => (typeof s === 'number' ? (s / 1048576).toFixed(0) : s))
    .join(' ')}`);
  for (const [name, s] of Object.entries(watched)) {
    console.log(`# abuse ${label}: ${name} probes ${s.count}, max ${s.maxMs} ms, failures ${s.failures.length}`);
  }
  for (const r of reports) console.log(`# abuse ${label}: attacker ${JSON.stringify(r)}`);

  for (const [name, s] of Object.entries(watched)) {
    assert.ok(s.count >= 5, `${name}: only ${s.count} probes ran`);
    assert.deepEqual(s.failures, [], `${name} probes failed during the attack`);
    assert.ok(s.maxMs <= RESPONSIVE_MS, `${name}: a probe took ${s.maxMs} ms during the attack (bound ${RESPONSIVE_MS} ms)`);
  }
  assert.ok(heap.samples.some((s) => typeof s === 'number'), `no heap sample: ${heap.samples}`);
  assert.ok(heap.max < HEAP_BOUND_BYTES, `heap after GC reached ${(heap.max / 1048576).toFixed(0)} MiB (bound ${HEAP_BOUND_BYTES / 1048576} MiB)`);
  for (const r of reports) {
    assert.equal(r.error, undefined, `attacker ${r.kind} could not run: ${r.error}`);
    if (r.kind === 'packed-connect' || r.kind === 'join-repeat') {
      assert.notEqual(r.closedAfterMs, null, `the node never closed the non-reading ${r.kind} attacker (sent ${r.sentPackets} packets)`);
      assert.ok(r.closedAfterMs < durationMs, `${r.kind} closed only after ${r.closedAfterMs} ms`);
    }
    if (r.kind === 'burst-pause') {
      assert.deepEqual(r.forceDisconnect, { reason: 'Rate limit exceeded' }, 'the burst-and-pause flooder was not disconnected for flooding');
      assert.notEqual(r.closedAfterMs, null, 'the burst-and-pause flooder kept its connection');
    }
  }
}

/**
 * After the attack and the recovery window: no session, seat or Redis key is left of the attackers (`keysBefore`:
 * the keys under `prefix` before the attack).
 */
export async function assertNothingLeft(nodes, { big, pair, bystanders }, { redis, prefix, keysBefore }, timeoutMs = 15_000) {
  await eventually('attackers\' sessions released', async () => {
    let sockets = 0;
    let detached = 0;
    for (const node of nodes) {
      sockets += await metric(node, 'signaling_sockets_connected');
      detached += await metric(node, 'signaling_sessions_detached');
    }
    assert.equal(sockets, bystanders, 'open sockets on the nodes');
    assert.equal(detached, 0, 'sessions held for recovery');
  }, { timeoutMs });
  await eventually('attackers\' seats released', async () => {
    const bigRoom = (await lookupCode(nodes[0], big.room.code)).body;
    assert.equal(bigRoom.participantCount, big.everyone.length, 'seats in the attacked room');
    const pairRoom = (await lookupCode(nodes[0], pair.room.code)).body;
    assert.equal(pairRoom.participantCount, pair.everyone.length, 'seats in the bystanders\' room');
  }, { timeoutMs });
  if (redis) {
    // nothing new is left (a room log may have expired meanwhile: it lives a retention after its last append)
    const before = new Set(keysBefore);
    const left = (await redisKeys(redis, prefix)).filter((key) => !before.has(key));
    assert.deepEqual(left, [], 'Redis keys that the attack left behind');
    // Redis logs every call over 10 ms; printed for the record. Asserted: nothing blocks Redis for others (no call
    // over 100 ms). The 10 ms goal is not met yet: re-sent joins into a room with 100 KB of chat history take
    // 10-50 ms each while the attack shares the two cores (docs/operations.md, "Limits and abuse").
    const slow = await slowCalls(redis);
    console.log(`# abuse: Redis calls over 10 ms: ${slow.length}, longest ${Math.max(0, ...slow.map((c) => c.micros))} µs`);
    assert.deepEqual(slow.filter((c) => c.micros > BLOCKING_MICROS), [], 'Redis calls that blocked Redis during the attack');
  }
  // the node still takes newcomers and serves the big room
  const late = await guest(nodes[0], 'Late');
  const ack = await late.ack('join-room', { roomCode: big.room.code }, 5_000);
  assert.equal(ack.success, true, `a newcomer after the attack: ${JSON.stringify(ack)}`);
  late.close();
}

export { watchSlowCalls, redisKeys };
