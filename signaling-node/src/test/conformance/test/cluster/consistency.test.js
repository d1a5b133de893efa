// Three nodes on one Redis. PROTOCOL §7 (last rules): what one socket sends is processed, relayed and broadcast in the
// order it was sent, also to participants on other nodes; a seat never outlives its socket, wherever the host and
// the REST reader sit. §5: whatever a success ack reports is visible, on every node, to any request that starts
// after the ack arrived (end-room, lock-room, settings over REST, remove-participant). Waiting room: admitting into a
// room that filled up tells the joiner on another node "Room is full".
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas, assertOk } from '../../lib/assertions.js';
import { eventually, spreadMeeting, startCluster } from '../../lib/cluster.js';
import { seat } from '../../lib/fixtures.js';
import { closeAllPeers, guest } from '../../lib/peer.js';
import { openRaw } from '../../lib/raw.js';
import { lookupCode, request } from '../../lib/rest.js';

const ROUNDS = 30;

let cluster;
let n0;
let n1;
let n2;

before(async () => {
  cluster = await startCluster({ name: 'consist', nodes: 3 });
  [n0, n1, n2] = cluster.nodes;
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

/** GET /api/rooms/code/{code} on `on`; asserts 200 and resolves with the public view. */
async function publicView(on, code) {
  const response = await lookupCode(on, code);
  assert.equal(response.status, 200, `GET /api/rooms/code/${code}: ${response.status} ${response.text.slice(0, 200)}`);
  return response.body;
}

/** `peer` saw `user-joined` of `socketId` (or nothing of it at all) and, after it, its `user-left`. */
function assertJoinedThenLeft(peer, socketId) {
  const mine = peer.log.filter((e) => (e.event === 'user-joined' && e.data?.participant?.socketId === socketId)
    || (e.event === 'user-left' && e.data?.socketId === socketId)).map((e) => e.event);
  assert.ok(mine.length === 0 || (mine.length === 2 && mine[0] === 'user-joined' && mine[1] === 'user-left'),
    `${socketId}: expected user-joined then user-left (or nothing), got ${JSON.stringify(mine)}`);
}

describe('one socket, one lane, across nodes', () => {
  test('a burst of 20 chat messages from node 1: accepted ones arrive on nodes 0 and 2 in the order sent, 5 rounds', async () => {
    const { room, host, guests } = await spreadMeeting(n0, { guests: [['Reader', n2]] });
    const [reader] = guests;
    for (let round = 0; round < 5; round++) {
      const sender = await guest(n1, `Sender ${round}`);
      await seat(sender, room.code, [host, reader]);
      const seen = new Map([[host, []], [reader, []]]);
      for (const [peer, list] of seen) {
        peer.socket.on('chat-message', (m) => m.senderId === sender.id && list.push(m.content));
      }
      const acks = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        sender.ack('chat-message', { roomId: room.id, content: `r${round}-m${i}` }, 10_000)));
      const accepted = acks.flatMap((ack, i) => (ack.success ? [`r${round}-m${i}`] : []));
      assert.ok(accepted.length >= 10 && accepted.length < 20, `chat limit: accepted ${accepted.length}`);
      for (const [peer, list] of seen) {
        await eventually(`${peer.label} got ${accepted.length}`, () => assert.equal(list.length, accepted.length),
          { timeoutMs: 5_000, intervalMs: 20 });
        assert.deepEqual(list, accepted, `round ${round}: ${peer.label} sees the order sent`);
      }
      sender.close();
    }
  });
});

describe('no phantom seats across nodes', () => {
  test('join then disconnect() at once on node 1 (host on node 0, REST on node 2): no seat stays', async () => {
    const { room, host } = await spreadMeeting(n0, { settings: { maxParticipants: 2 } });
    const gone = [];
    for (let i = 0; i < 5; i++) {
      const quitter = await guest(n1, `Quitter ${i}`);
      gone.push(quitter.id);
      quitter.emit('join-room', { roomCode: room.code });
      quitter.socket.disconnect();
    }
    await eventually('only the host is left', async () => assert.equal((await publicView(n2, room.code)).participantCount, 1),
      { timeoutMs: 10_000, intervalMs: 100 });
    await eventually('host saw each quitter leave again', () => gone.forEach((id) => assertJoinedThenLeft(host, id)));
    const real = await guest(n2, 'Real Guest');
    const { joined } = await real.join(room.code);
    assert.deepEqual(joined.participants.map((p) => p.socketId), [host.id]);
  });

  test('a join and a socket-level disconnect in one raw burst on node 2 leave no seat', async () => {
    const { room, host } = await spreadMeeting(n0, { settings: { maxParticipants: 2 } });
    const gone = [];
    for (let i = 0; i < 5; i++) {
      const raw = await openRaw(n2);
      const connected = await raw.connectNamespace({ displayName: `Raw ${i}` });
      assert.equal(connected.ok, true, connected.packet);
      gone.push(connected.data.sid);
      raw.send(`421${JSON.stringify(['join-room', { roomCode: room.code }])}`);
      raw.send('41');
      raw.close();
    }
    await eventually('only the host is left', async () => assert.equal((await publicView(n1, room.code)).participantCount, 1),
      { timeoutMs: 10_000, intervalMs: 100 });
    await eventually('host saw each raw joiner leave again', () => gone.forEach((id) => assertJoinedThenLeft(host, id)));
    await (await guest(n1, 'Real Guest')).join(room.code);
  });

  test('join X (host on node 0) then Y (host on node 2) at once from node 1: no seat left in X', async () => {
    const x = await spreadMeeting(n0, { settings: { maxParticipants: 2 } });
    const y = await spreadMeeting(n2);
    const hopper = await guest(n1, 'Hopper');
    const [ackX, ackY] = await Promise.all([
      hopper.ack('join-room', { roomCode: x.room.code }),
      hopper.ack('join-room', { roomCode: y.room.code }),
    ]);
    assertOk(ackX, 'join X');
    assertOk(ackY, 'join Y');
    assert.equal((await publicView(n2, x.room.code)).participantCount, 1, 'no seat in X');
    assert.equal((await publicView(n0, y.room.code)).participantCount, 2);
    await eventually('host of X saw the hopper come and go', () => assertJoinedThenLeft(x.host, hopper.id));
    assertOk(await hopper.ack('leave-room', { roomId: y.room.id }));
    assert.equal((await publicView(n0, x.room.code)).participantCount, 1);
    assert.equal((await publicView(n0, y.room.code)).participantCount, 1);
    await (await guest(n2, 'Real Guest')).join(x.room.code);
  });
});

describe('what an ack reports is visible on every node', () => {
  test(`end-room acked on node 1: GET /api/rooms/code on node 0 right after says isActive false, ${ROUNDS} rounds`, async () => {
    const stale = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { room, host } = await spreadMeeting(n1, { guests: [['Guest', n2]] });
      await publicView(n0, room.code); // a warm connection to node 0, so that the read below starts at once
      const ack = await host.ack('end-room', { roomId: room.id });
      assertOk(ack, 'end-room');
      const view = await publicView(n0, room.code);
      if (view.isActive !== false) stale.push(round);
    }
    assert.deepEqual(stale, [], `rounds in which node 0 still answered isActive: true after the ack`);
  });

  test(`lock-room acked on node 1: node 0 answers the new isLocked right after, ${ROUNDS} rounds`, async () => {
    const { room, host } = await spreadMeeting(n1);
    const stale = [];
    for (let round = 0; round < ROUNDS; round++) {
      const locked = round % 2 === 0;
      assertOk(await host.ack('lock-room', { roomId: room.id, locked }), 'lock-room');
      if ((await publicView(n0, room.code)).isLocked !== locked) stale.push(round);
    }
    assert.deepEqual(stale, []);
  });

  test(`PATCH settings answered by node 1: node 0 answers the new settings right after, ${ROUNDS} rounds`, async () => {
    const { room, hostUser } = await spreadMeeting(n1);
    const stale = [];
    for (let round = 0; round < ROUNDS; round++) {
      const waitingRoom = round % 2 === 0;
      const response = await request(n1, 'PATCH', `/api/rooms/${room.id}/settings`,
        { token: hostUser.token, body: { waitingRoom } });
      assert.equal(response.status, 200, response.text);
      if ((await publicView(n0, room.code)).settings.waitingRoom !== waitingRoom) stale.push(round);
    }
    assert.deepEqual(stale, []);
  });

  test('remove-participant acked on node 1: node 0 counts one participant fewer right after, 10 rounds', async () => {
    const { room, host, guests } = await spreadMeeting(n1, {
      guests: Array.from({ length: 10 }, (_, i) => [`G${i}`, [n0, n2][i % 2]]),
    });
    const stale = [];
    for (const [round, victim] of guests.entries()) {
      assert.equal((await publicView(n0, room.code)).participantCount, 11 - round);
      assertOk(await host.ack('remove-participant', { roomId: room.id, participantId: victim.id }), 'remove');
      if ((await publicView(n0, room.code)).participantCount !== 10 - round) stale.push(round);
    }
    assert.deepEqual(stale, []);
  });
});

describe('waiting room into a full room, across nodes', () => {
  test('admitted on node 0 into a room that filled up: the joiner on node 2 hears Room is full and leaves the queue', async () => {
    const { room, host } = await spreadMeeting(n0, { settings: { waitingRoom: true, maxParticipants: 2 } });
    const first = await guest(n1, 'First');
    const second = await guest(n2, 'Second');
    for (const peer of [first, second]) {
      assertHas(await peer.ack('join-room', { roomCode: room.code }), { success: true, waiting: true });
      await host.next('participant-waiting', { where: (d) => d.participant.socketId === peer.id });
    }
    assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: first.id }));
    await first.next('room-joined');
    await host.next('user-joined', { where: (d) => d.participant.socketId === first.id });
    const ack = await host.ack('admit-participant', { roomId: room.id, participantId: second.id });
    assertHas(ack, { success: false, error: 'Room is full', code: 'NOT_ALLOWED' }, 'host ack');
    assertHas(await second.next('join-error'), { code: 'JOIN_FAILED', message: 'Room is full' });
    assertHas(await host.next('participant-waiting-cancelled'), { socketId: second.id });
    await second.none('room-joined');
    await host.none('user-joined', { within: 0 });
    await first.none('user-joined', { within: 0 });
    assert.equal((await publicView(n1, room.code)).participantCount, 2);
    // out of the queue: it may knock again, and waits again
    assertHas(await second.ack('join-room', { roomCode: room.code }), { success: true, waiting: true });
  });
});
