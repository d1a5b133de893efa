// PROTOCOL §8 "everything resumes on its own when Redis is back — including after Redis restarted empty
// (each node re-registers its live seats)". Redis is killed and started again with no data at all (and, in
// the second test, emptied with FLUSHALL while the connections stay): within 10 s the rooms, their seats,
// counts, settings and hosts are back, new joins obey capacity, and relays cross nodes again.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas, assertOk, assertRefused } from '../../lib/assertions.js';
import { assertSameSet, eventually, spreadMeeting, startCluster } from '../../lib/cluster.js';
import { seat } from '../../lib/fixtures.js';
import { closeAllPeers, guest } from '../../lib/peer.js';
import { lookupCode, management, roomState } from '../../lib/rest.js';

const RECOVERY_MS = 10_000;

let cluster;
let n1;
let n2;
let n3;

before(async () => {
  cluster = await startCluster({ name: 'empty', nodes: 3, controllable: true });
  [n1, n2, n3] = cluster.nodes;
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

async function countsAreBack(rooms, since) {
  await eventually('participantCount right again on every node', async () => {
    for (const { room, count } of rooms) {
      for (const node of [n1, n2, n3]) {
        const response = await lookupCode(node, room.code);
        assert.equal(response.status, 200, `GET /api/rooms/code/${room.code} on ${node.nodeId}: ${response.status} ${response.text.slice(0, 200)}`);
        assert.equal(response.body.participantCount, count, `participantCount of ${room.code} on ${node.nodeId}`);
        assert.equal(response.body.isActive, true);
      }
    }
  }, { timeoutMs: RECOVERY_MS, intervalMs: 200 });
  const ms = Math.round(performance.now() - since);
  console.log(`# counts right again on every node ${ms} ms after Redis came back empty`);
}

/** Sends offers from `sender` to `target` until one arrives; fails after RECOVERY_MS. */
async function relayWorks(sender, target, what) {
  let n = 0;
  await eventually(what, async () => {
    const mark = `probe-${n++}`;
    sender.emit('offer', { targetId: target.id, sdp: { type: 'offer', sdp: mark } });
    await target.next('offer', { where: (d) => d.sdp?.sdp === mark, timeout: 500 });
  }, { timeoutMs: RECOVERY_MS, intervalMs: 0 });
  target.take('offer');
  sender.take('error');
}

function assertNobodyLeft(peers) {
  for (const peer of peers) {
    const bad = peer.log.filter((e) => ['user-left', 'force-disconnect', 'disconnect'].includes(e.event));
    assert.deepEqual(bad.map((e) => [e.event, e.data]), [], `${peer.label} must not see anyone leave`);
    assert.ok(peer.connected, `${peer.label} stays connected`);
  }
}

describe('Redis restarted with no data', () => {
  test('rooms, seats, counts, settings and hosts come back, joins obey capacity, and relays cross nodes', async () => {
    const a = await spreadMeeting(n1, { guests: [['A Two', n2], ['A Three', n3]] });
    const b = await spreadMeeting(n2, { settings: { maxParticipants: 4, allowChat: false }, guests: [['B Three', n3], ['B One', n1]] });
    const everyone = [...a.everyone, ...b.everyone];

    await cluster.redis.restartEmpty();
    const back = performance.now();
    await eventually('/readyz 200 on every node', async () => {
      for (const node of [n1, n2, n3]) assert.equal((await management(node, '/readyz')).status, 200, node.nodeId);
    }, { timeoutMs: RECOVERY_MS });
    await countsAreBack([{ room: a.room, count: 3 }, { room: b.room, count: 3 }], back);

    // relays across nodes in both rooms
    await relayWorks(a.guests[0], a.guests[1], 'room A: relay node 2 → node 3');
    await relayWorks(a.guests[1], a.host, 'room A: relay node 3 → node 1');
    await relayWorks(b.host, b.guests[1], 'room B: relay node 2 → node 1');

    // the host is still host, from its own node, over participants of other nodes
    assertOk(await a.host.ack('mute-participant', { roomId: a.room.id, participantId: a.guests[1].id }), 'mute after the restart');
    assert.deepEqual(await a.guests[1].next('force-mute'), {});
    const state = await roomState(n3, a.room, a.hostUser);
    // (joining order across nodes is not kept by the restore: each node puts back its own seats)
    assertSameSet(state.participants.map((p) => p.socketId), a.everyone.map((p) => p.id), 'room A lists its restored seats');

    // room B kept its settings: chat is still off, and its capacity of 4 holds
    assertRefused(await b.guests[0].ack('chat-message', { roomId: b.room.id, content: 'still off?' }), 'NOT_ALLOWED');
    const fourth = await guest(n3, 'B Fourth');
    const joined = await seat(fourth, b.room.code, b.everyone);
    assertSameSet(joined.participants.map((p) => p.socketId), b.everyone.map((p) => p.id), 'a newcomer sees the restored seats from every node');
    const fifth = await guest(n1, 'B Fifth');
    assertRefused(await fifth.ack('join-room', { roomCode: b.room.code }), 'JOIN_FAILED', 'Room is full');

    // room A takes a newcomer on node 2 and everyone on every node sees it
    const newcomer = await guest(n2, 'A Newcomer');
    await seat(newcomer, a.room.code, a.everyone);
    const chat = await a.guests[0].ack('chat-message', { roomId: a.room.id, content: 'after the restart' });
    assertOk(chat);
    for (const peer of [...a.everyone, newcomer]) {
      assertHas(await peer.next('chat-message', { where: (m) => m.content === 'after the restart' }), { senderId: a.guests[0].id }, `${peer.label} chat`);
    }
    assertNobodyLeft(everyone);
  });
});

describe('Redis emptied by FLUSHALL while the nodes stay connected', () => {
  test('the nodes notice the loss and put their seats back: counts, joins and relays work again', async () => {
    const { room, host, hostUser, guests, everyone } = await spreadMeeting(n3, {
      settings: { maxParticipants: 4 },
      guests: [['Two', n2], ['One', n1]],
    });
    assert.equal(await cluster.redis.cli('FLUSHALL'), 'OK');
    const flushed = performance.now();
    await countsAreBack([{ room, count: 3 }], flushed);
    await relayWorks(guests[0], guests[1], 'relay node 2 → node 1 after FLUSHALL');
    await relayWorks(guests[1], host, 'relay node 1 → node 3 after FLUSHALL');

    const state = await roomState(n1, room, hostUser);
    assertSameSet(state.participants.map((p) => p.socketId), everyone.map((p) => p.id), 'the restored seats');
    const fourth = await guest(n2, 'Fourth');
    await seat(fourth, room.code, everyone);
    const fifth = await guest(n1, 'Fifth');
    assertRefused(await fifth.ack('join-room', { roomCode: room.code }), 'JOIN_FAILED', 'Room is full');
    assertNobodyLeft(everyone);
  });

  test('a restored seat keeps its media state: a newcomer sees what the others were told', async () => {
    const { room, host, guests, everyone } = await spreadMeeting(n1, { guests: [['Muted', n2], ['Sharing', n3]] });
    const [muted, sharing] = guests;
    assertOk(await muted.ack('toggle-audio', { roomId: room.id, enabled: false }));
    assertOk(await sharing.ack('start-screen-share', { roomId: room.id }));
    assertOk(await sharing.ack('toggle-hand-raise', { roomId: room.id, raised: true }));
    for (const event of ['user-toggle-audio', 'screen-share-started', 'user-hand-raised']) await host.next(event);

    assert.equal(await cluster.redis.cli('FLUSHALL'), 'OK');
    await countsAreBack([{ room, count: 3 }], performance.now());
    const newcomer = await guest(n3, 'Newcomer');
    const joined = await seat(newcomer, room.code, everyone);
    const seen = (id) => joined.participants.find((p) => p.socketId === id);
    assertHas(seen(muted.id), { isMuted: true }, 'the muted participant after the restore');
    assertHas(seen(sharing.id), { isScreenSharing: true, isHandRaised: true }, 'the sharing participant after the restore');
  });
});
