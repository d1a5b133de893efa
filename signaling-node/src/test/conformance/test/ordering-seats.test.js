// PROTOCOL §7 (last rules), one node on Redis: what one socket sends is processed, relayed and broadcast in the
// order it was sent; one socket's joins are handled one at a time; a seat never outlives its socket (a socket that
// disconnects while its join is in flight leaves no seat behind); and §5 waiting room: admitting into a room that
// filled up meanwhile tells the joiner "Room is full".
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas, assertOk } from '../lib/assertions.js';
import { eventually } from '../lib/cluster.js';
import { meeting, seat } from '../lib/fixtures.js';
import { closeAllPeers, guest } from '../lib/peer.js';
import { openRaw } from '../lib/raw.js';
import { randomPrefix, startRedis } from '../lib/redis.js';
import { lookupCode } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let redis;
let node;

before(async () => {
  redis = await startRedis();
  node = await startNode({ NODE_ID: 'conf-ordering-seats', REDIS_URL: redis.url, REDIS_PREFIX: randomPrefix() });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
  await redis?.close();
});

const ROUNDS = 5;
const BURST = 20;

/** The REST participantCount of the room with `code`, as `on` answers it. */
async function participantCount(on, code) {
  const response = await lookupCode(on, code);
  assert.equal(response.status, 200, `GET /api/rooms/code/${code}: ${response.status} ${response.text.slice(0, 200)}`);
  return response.body.participantCount;
}

/** Records the contents of `chat-message`s from `senderId` that `peer` receives, in arrival order. */
function chatFrom(peer, senderId) {
  const got = [];
  peer.socket.on('chat-message', (m) => {
    if (m.senderId === senderId) got.push(m.content);
  });
  return got;
}

/**
 * Sends `BURST` chat messages at once from `sender` (ack callbacks on every one) and resolves with the contents the
 * node accepted, in the order sent. The chat limit (burst 10) accepts about half of them.
 */
async function chatBurst(sender, roomId, tag) {
  const acks = await Promise.all(Array.from({ length: BURST }, (_, i) =>
    sender.ack('chat-message', { roomId, content: `${tag}-m${i}` }, 10_000).then((ack) => ({ i, ack }))));
  return acks.filter(({ ack }) => ack.success).map(({ i }) => `${tag}-m${i}`);
}

describe('one socket, one lane', () => {
  test('a burst of 20 chat messages: what was accepted arrives everywhere in the order sent, 5 rounds', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Reader'] });
    const [reader] = guests;
    for (let round = 0; round < ROUNDS; round++) {
      // a fresh sender each round: its own chat bucket, full
      const sender = await guest(node, `Sender ${round}`);
      await seat(sender, room.code, [host, reader]);
      const seenByHost = chatFrom(host, sender.id);
      const seenByReader = chatFrom(reader, sender.id);
      const seenBySender = chatFrom(sender, sender.id);
      const accepted = await chatBurst(sender, room.id, `r${round}`);
      assert.ok(accepted.length >= 10 && accepted.length < BURST, `the chat limit accepts about 10, got ${accepted.length}`);
      for (const [who, seen] of [['host', seenByHost], ['reader', seenByReader], ['sender', seenBySender]]) {
        await eventually(`${who} got all ${accepted.length} messages`, () => assert.equal(seen.length, accepted.length),
          { timeoutMs: 5_000, intervalMs: 20 });
        assert.deepEqual(seen, accepted, `round ${round}: ${who} sees the messages in the order they were sent`);
      }
      sender.close();
    }
  });

  test('hand raises and chat messages of one socket are broadcast in the order sent', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Mover'] });
    const [mover] = guests;
    const seen = [];
    host.socket.on('user-hand-raised', (d) => d.socketId === mover.id && seen.push('raised'));
    host.socket.on('user-hand-lowered', (d) => d.socketId === mover.id && seen.push('lowered'));
    host.socket.on('chat-message', (m) => m.senderId === mover.id && seen.push(m.content));
    const sent = [];
    const acks = [];
    for (let i = 0; i < 8; i++) {
      const raised = i % 2 === 0;
      acks.push(mover.ack('toggle-hand-raise', { roomId: room.id, raised }));
      sent.push(raised ? 'raised' : 'lowered');
      acks.push(mover.ack('chat-message', { roomId: room.id, content: `c${i}` }));
      sent.push(`c${i}`);
    }
    for (const ack of await Promise.all(acks)) assertOk(ack);
    await eventually('host saw all 16 events', () => assert.equal(seen.length, sent.length), { timeoutMs: 5_000, intervalMs: 20 });
    assert.deepEqual(seen, sent, 'toggles and chat interleave exactly as sent');
  });

  test('the acks of one socket come back in the order its events were sent', async () => {
    const { room, guests } = await meeting(node, { guests: ['Acker'] });
    const [acker] = guests;
    const order = [];
    const pending = [];
    for (let i = 0; i < 10; i++) {
      pending.push(acker.ack('toggle-audio', { roomId: room.id, enabled: i % 2 === 0 }).then(() => order.push(`a${i}`)));
      pending.push(acker.ack('typing-start', { roomId: room.id }).then(() => order.push(`t${i}`)));
    }
    await Promise.all(pending);
    assert.deepEqual(order, Array.from({ length: 10 }, (_, i) => [`a${i}`, `t${i}`]).flat());
  });
});

describe('no phantom seats', () => {
  test('join-room then disconnect() at once (official client), 5 times: no seat stays, a real guest gets in', async () => {
    const { room, host } = await meeting(node, { settings: { maxParticipants: 2 } });
    const gone = [];
    for (let i = 0; i < 5; i++) {
      const quitter = await guest(node, `Quitter ${i}`);
      gone.push(quitter.id);
      quitter.emit('join-room', { roomCode: room.code });
      quitter.socket.disconnect();
    }
    await eventually('only the host is left', async () => assert.equal(await participantCount(node, room.code), 1),
      { timeoutMs: 10_000, intervalMs: 100 });
    // what the host saw: every user-joined of a quitter is followed by its user-left
    await eventually('host saw each quitter leave again', () => {
      for (const id of gone) assertJoinedThenLeft(host, id);
    }, { timeoutMs: 5_000 });
    const real = await guest(node, 'Real Guest');
    const { joined } = await real.join(room.code);
    assert.deepEqual(joined.participants.map((p) => p.socketId), [host.id], 'the real guest sees only the host');
    assert.equal(await participantCount(node, room.code), 2);
  });

  test('a join and a socket-level disconnect in one raw burst leave no seat', async () => {
    const { room, host } = await meeting(node, { settings: { maxParticipants: 2 } });
    const gone = [];
    for (let i = 0; i < 5; i++) {
      const raw = await openRaw(node);
      const connected = await raw.connectNamespace({ displayName: `Raw ${i}` });
      assert.equal(connected.ok, true, connected.packet);
      gone.push(connected.data.sid);
      raw.send(`421${JSON.stringify(['join-room', { roomCode: room.code }])}`);
      raw.send('41');
      raw.close();
    }
    await eventually('only the host is left', async () => assert.equal(await participantCount(node, room.code), 1),
      { timeoutMs: 10_000, intervalMs: 100 });
    await eventually('host saw each raw joiner leave again', () => {
      for (const id of gone) assertJoinedThenLeft(host, id);
    }, { timeoutMs: 5_000 });
    const real = await guest(node, 'Real Guest');
    await real.join(room.code);
    assert.equal(await participantCount(node, room.code), 2);
  });

  test('join-room for X then Y without waiting: seated in Y only, and no seat in X after leaving Y', async () => {
    const x = await meeting(node, { settings: { maxParticipants: 2 } });
    const y = await meeting(node);
    const hopper = await guest(node, 'Hopper');
    const [ackX, ackY] = await Promise.all([
      hopper.ack('join-room', { roomCode: x.room.code }),
      hopper.ack('join-room', { roomCode: y.room.code }),
    ]);
    assertOk(ackX, 'join X');
    assertOk(ackY, 'join Y');
    assert.equal(ackX.roomId, x.room.id);
    assert.equal(ackY.roomId, y.room.id);
    assert.equal(await participantCount(node, x.room.code), 1, 'the join of Y released the seat in X');
    assert.equal(await participantCount(node, y.room.code), 2);
    // X's host saw the hopper come and go, in that order
    await eventually('host of X saw the hopper leave', () => assertJoinedThenLeft(x.host, hopper.id));
    assertOk(await hopper.ack('leave-room', { roomId: y.room.id }));
    assert.equal(await participantCount(node, y.room.code), 1);
    assert.equal(await participantCount(node, x.room.code), 1, 'no phantom seat in X');
    // X (2 seats) still takes a real guest
    await guest(node, 'Real Guest').then((real) => real.join(x.room.code));
  });
});

describe('waiting room into a full room', () => {
  test('admitting into a room that filled up: join-error Room is full, out of the queue, the host is told', async () => {
    const { room, host } = await meeting(node, { settings: { waitingRoom: true, maxParticipants: 2 } });
    const first = await guest(node, 'First');
    const second = await guest(node, 'Second');
    for (const peer of [first, second]) {
      assertHas(await peer.ack('join-room', { roomCode: room.code }), { success: true, waiting: true });
      await host.next('participant-waiting', { where: (d) => d.participant.socketId === peer.id });
    }
    assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: first.id }));
    await first.next('room-joined');
    await host.next('user-joined', { where: (d) => d.participant.socketId === first.id });
    const ack = await host.ack('admit-participant', { roomId: room.id, participantId: second.id });
    assertHas(ack, { success: false, error: 'Room is full', code: 'NOT_ALLOWED' }, 'host ack');
    assertHas(await second.next('join-error'), { code: 'JOIN_FAILED', message: 'Room is full' }, 'joiner hears it');
    assertHas(await host.next('participant-waiting-cancelled'), { socketId: second.id });
    await second.none('room-joined');
    await host.none('user-joined', { within: 0 });
    await first.none('user-joined', { within: 0 });
    assert.equal(await participantCount(node, room.code), 2);
    // the joiner left the queue: admitting it again finds nobody
    assertHas(await host.ack('admit-participant', { roomId: room.id, participantId: second.id }),
      { success: false, code: 'TARGET_NOT_FOUND' });
  });
});

/** `peer` saw `user-joined` of `socketId` (or nothing of it at all) and, after it, its `user-left`. */
function assertJoinedThenLeft(peer, socketId) {
  const mine = peer.log.filter((e) => (e.event === 'user-joined' && e.data?.participant?.socketId === socketId)
    || (e.event === 'user-left' && e.data?.socketId === socketId)).map((e) => e.event);
  assert.ok(mine.length === 0 || (mine.length === 2 && mine[0] === 'user-joined' && mine[1] === 'user-left'),
    `${socketId}: expected user-joined then user-left (or nothing), got ${JSON.stringify(mine)}`);
}
