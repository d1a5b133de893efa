// PROTOCOL §8: a node that dies without a goodbye (kill -9) stops renewing its heartbeat; within NODE_TTL
// another node releases its seats, the others receive user-left with reason "node-lost" exactly once per
// lost socket, no ghost seats remain and capacity counts are right again.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas, assertOk, assertRefused } from '../../lib/assertions.js';
import { eventually, spreadMeeting, startCluster } from '../../lib/cluster.js';
import { seat } from '../../lib/fixtures.js';
import { closeAllPeers, delay, guest } from '../../lib/peer.js';
import { lookupCode, roomState } from '../../lib/rest.js';

const NODE_TTL_SECONDS = 3;
const DETECTION_MS = (NODE_TTL_SECONDS + 5) * 1_000;

let cluster;
let n1;
let n2;
let n3;

before(async () => {
  // The seats of a dead node wait out the recovery window before they are released (their clients may come
  // back on other nodes, §9); with the window equal to NODE_TTL they go as soon as the node is found lost.
  cluster = await startCluster({
    name: 'death',
    nodes: 3,
    env: { NODE_TTL: String(NODE_TTL_SECONDS), RECOVERY_WINDOW: String(NODE_TTL_SECONDS) },
  });
  [n1, n2, n3] = cluster.nodes;
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

/** A fresh node to be killed (the three shared nodes stay up for the other tests). */
async function victimNode() {
  const node = await cluster.addNode();
  return node;
}

async function countOn(node, code) {
  const response = await lookupCode(node, code);
  assert.equal(response.status, 200, response.text);
  return response.body.participantCount;
}

/** Every `user-left` that `peer` received for `socketId` so far. */
const userLefts = (peer, socketId) => peer.log.filter((e) => e.event === 'user-left' && e.data?.socketId === socketId);

describe('a node killed with SIGKILL', () => {
  test('its sockets leave every room with reason node-lost, once each, within NODE_TTL + 5 s', async () => {
    const victim = await victimNode();
    // room A: host on node 1, a guest on node 2, two guests on the victim
    const a = await spreadMeeting(n1, { guests: [['A Two', n2], ['A Lost 1', victim], ['A Lost 2', victim]] });
    // room B: host on node 3, one guest on the victim, one on node 1
    const b = await spreadMeeting(n3, { guests: [['B Lost', victim], ['B One', n1]] });
    // room C: a waiting-room room whose host sits on node 2 and a joiner waits on the victim
    const c = await spreadMeeting(n2, { settings: { waitingRoom: true } });
    const waiter = await guest(victim, 'C Waiter');
    assertHas(await waiter.ack('join-room', { roomCode: c.room.code }), { success: true, waiting: true });
    await c.host.next('participant-waiting');

    const lostA = [a.guests[1].id, a.guests[2].id];
    const lostB = [b.guests[0].id];
    const waiterId = waiter.id;
    assert.equal(await countOn(n2, a.room.code), 4);

    const killedAt = performance.now();
    const exit = await victim.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');

    const survivorsA = [a.host, a.guests[0]];
    const survivorsB = [b.host, b.guests[1]];
    const arrivals = [];
    await Promise.all([
      ...survivorsA.flatMap((peer) => lostA.map((id) => ({ peer, id }))),
      ...survivorsB.flatMap((peer) => lostB.map((id) => ({ peer, id }))),
    ].map(async ({ peer, id }) => {
      const left = await peer.next('user-left', { where: (d) => d.socketId === id, timeout: DETECTION_MS + 1_000 });
      arrivals.push(performance.now() - killedAt);
      assertHas(left, { socketId: id, reason: 'node-lost' }, `${peer.label} user-left for a socket of the killed node`);
    }));
    const slowest = Math.max(...arrivals);
    console.log(`# node-lost announced ${Math.round(Math.min(...arrivals))}–${Math.round(slowest)} ms after the kill (NODE_TTL ${NODE_TTL_SECONDS} s)`);
    assert.ok(slowest <= DETECTION_MS, `user-left node-lost after ${Math.round(slowest)} ms, expected at most ${DETECTION_MS}`);

    const cancelled = await c.host.next('participant-waiting-cancelled', { timeout: DETECTION_MS });
    assertHas(cancelled, { socketId: waiterId }, 'the waiting joiner of the killed node leaves the queue');

    // exactly once per lost socket, also a while later
    await delay(1_500);
    for (const peer of survivorsA) for (const id of lostA) assert.equal(userLefts(peer, id).length, 1, `${peer.label}: user-left for ${id} once`);
    for (const peer of survivorsB) for (const id of lostB) assert.equal(userLefts(peer, id).length, 1, `${peer.label}: user-left for ${id} once`);
    for (const peer of [...survivorsA, ...survivorsB]) {
      const others = peer.log.filter((e) => e.event === 'user-left' && ![...lostA, ...lostB].includes(e.data?.socketId));
      assert.equal(others.length, 0, `${peer.label}: no user-left for a socket that is still there`);
    }

    for (const node of [n1, n2, n3]) {
      assert.equal(await countOn(node, a.room.code), 2, `room A count on ${node.nodeId}`);
      assert.equal(await countOn(node, b.room.code), 2, `room B count on ${node.nodeId}`);
    }
    const stateA = await roomState(n3, a.room, a.hostUser);
    assert.deepEqual(stateA.participants.map((p) => p.socketId), [a.host.id, a.guests[0].id], 'no ghost seats in room A');
    assertRefused(await c.host.ack('admit-participant', { roomId: c.room.id, participantId: waiterId }), 'TARGET_NOT_FOUND');
    // relays to a lost socket are refused, and the survivors still talk across nodes
    assertRefused(await a.guests[0].ack('offer', { targetId: lostA[0], sdp: { type: 'offer', sdp: 'x' } }), 'TARGET_NOT_FOUND');
    assertOk(await a.guests[0].ack('offer', { targetId: a.host.id, sdp: { type: 'offer', sdp: 'x' } }));
    assertHas(await a.host.next('offer'), { senderId: a.guests[0].id });
  });

  test('a room that was full accepts new joins once the seats of the killed node are released', async () => {
    const victim = await victimNode();
    const { room, host, hostUser, guests } = await spreadMeeting(n1, {
      settings: { maxParticipants: 4 },
      guests: [['Stays', n2], ['Lost 1', victim], ['Lost 2', victim]],
    });
    const hopeful = await guest(n3, 'Hopeful');
    assertRefused(await hopeful.ack('join-room', { roomCode: room.code }), 'JOIN_FAILED', 'Room is full');
    await hopeful.next('join-error');

    const lost = [guests[1].id, guests[2].id]; // a socket forgets its id once disconnected
    const killedAt = performance.now();
    await victim.kill('SIGKILL');
    for (const id of lost) {
      assertHas(await host.next('user-left', { where: (d) => d.socketId === id, timeout: DETECTION_MS }), { reason: 'node-lost' });
    }
    assert.ok(performance.now() - killedAt <= DETECTION_MS);
    await seat(hopeful, room.code, [host, guests[0]]);
    const second = await guest(n2, 'Second');
    await seat(second, room.code, [host, guests[0], hopeful]);
    const third = await guest(n1, 'Third');
    assertRefused(await third.ack('join-room', { roomCode: room.code }), 'JOIN_FAILED', 'Room is full');
    await eventually('every node counts 4', async () => {
      for (const node of [n1, n2, n3]) assert.equal(await countOn(node, room.code), 4, `count on ${node.nodeId}`);
    });
    const state = await roomState(n2, room, hostUser);
    assert.deepEqual(state.participants.map((p) => p.socketId), [host.id, guests[0].id, hopeful.id, second.id]);
  });

  test('a killed node that held a room alone leaves no ghost seats: the room counts zero', async () => {
    const victim = await victimNode();
    const { room } = await spreadMeeting(victim, { guests: [['Only Here', victim]] });
    assert.equal(await countOn(n1, room.code), 2);
    await victim.kill('SIGKILL');
    await eventually('the room is empty again', async () => {
      assert.equal(await countOn(n2, room.code), 0);
    }, { timeoutMs: DETECTION_MS });
    const newcomer = await guest(n3, 'Newcomer');
    const joined = await seat(newcomer, room.code, []);
    assert.deepEqual(joined.participants, [], 'nobody from the killed node is listed');
  });
});
