// PROTOCOL §5 Waiting room.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas, assertOk, assertParticipant, assertRefused } from '../lib/assertions.js';
import { meeting } from '../lib/fixtures.js';
import { newUser } from '../lib/jwt.js';
import { closeAllPeers, delay, guest, member } from '../lib/peer.js';
import { createRoom, roomState } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node;

before(async () => {
  node = await startNode({ NODE_ID: 'conf-waiting' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

const WAITING = { waitingRoom: true };

/** A guest asks to join and is held; resolves with the guest once the host saw it waiting. */
async function waitingGuest(room, host, name = 'Knocker') {
  const peer = await guest(node, name);
  const ack = await peer.ack('join-room', { roomCode: room.code });
  assertHas(ack, { success: true, waiting: true }, 'waiting join ack');
  assertHas(await peer.next('waiting-for-host'), { roomId: room.id }, 'waiting-for-host');
  if (host) {
    const waiting = await host.next('participant-waiting', { where: (d) => d.participant?.socketId === peer.id });
    assertParticipant(waiting.participant, { socketId: peer.id, displayName: name, isHost: false });
  }
  return peer;
}

describe('queue', () => {
  test('a non-host joiner waits and the host receives participant-waiting', async () => {
    const { room, host, hostUser } = await meeting(node, { settings: WAITING });
    const knocker = await waitingGuest(room, host);
    await knocker.none('room-joined', { within: 200 });
    await host.none('user-joined', { within: 0 });
    const state = await roomState(node, room, hostUser);
    assert.deepEqual(state.participants.map((p) => p.socketId), [host.id], 'a waiting joiner holds no seat');
  });

  test('seated participants other than the host see nobody waiting', async () => {
    const hostUser = newUser('Host');
    const room = await createRoom(node, hostUser, WAITING);
    const host = await member(node, hostUser);
    await host.join(room.code);
    const early = await waitingGuest(room, host, 'Early');
    assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: early.id }));
    await early.next('room-joined');
    await host.next('user-joined');
    await waitingGuest(room, host, 'Second');
    await early.none('participant-waiting');
    await early.none('user-joined', { within: 0 });
  });

  test('an authenticated non-host waits too and the host does not', async () => {
    const { room, host } = await meeting(node, { settings: WAITING });
    const user = newUser('Member');
    const peer = await member(node, user);
    const ack = await peer.ack('join-room', { roomCode: room.code });
    assertHas(ack, { success: true, waiting: true });
    const waiting = await host.next('participant-waiting');
    assertParticipant(waiting.participant, { socketId: peer.id, userId: user.sub });
  });

  test('a host who joins later finds the queue in room-joined', async () => {
    const hostUser = newUser('Late Host');
    const room = await createRoom(node, hostUser, WAITING);
    const first = await waitingGuest(room, null, 'First');
    const second = await waitingGuest(room, null, 'Second');
    const host = await member(node, hostUser);
    const { joined } = await host.join(room.code);
    assert.equal(joined.isHost, true);
    assert.ok(Array.isArray(joined.waiting), 'room-joined.waiting must be a list for the host');
    assert.deepEqual(joined.waiting.map((p) => p.socketId).sort(), [first.id, second.id].sort());
    for (const info of joined.waiting) assertParticipant(info);
    assert.deepEqual(joined.participants, []);
  });

  test('a waiting joiner cannot act in the room', async () => {
    const { room, host } = await meeting(node, { settings: WAITING });
    const knocker = await waitingGuest(room, host);
    assertRefused(await knocker.ack('chat-message', { roomId: room.id, content: 'let me in' }), 'NOT_IN_ROOM');
    assertRefused(await knocker.ack('offer', { targetId: host.id, sdp: { type: 'offer', sdp: 'v=0' } }), 'NOT_IN_ROOM');
    assertRefused(await knocker.ack('toggle-hand-raise', { roomId: room.id, raised: true }), 'NOT_IN_ROOM');
    await host.none('chat-message');
    await host.none('offer', { within: 0 });
  });

  test('a seated participant is no target for a waiting joiner and vice versa', async () => {
    const { room, host } = await meeting(node, { settings: WAITING });
    const knocker = await waitingGuest(room, host);
    assertRefused(await host.ack('offer', { targetId: knocker.id, sdp: { type: 'offer', sdp: 'v=0' } }), 'TARGET_NOT_FOUND');
    await knocker.none('offer');
  });
});

describe('admit and deny', () => {
  test('admission completes the join as usual', async () => {
    const { room, host } = await meeting(node, { settings: WAITING });
    const knocker = await waitingGuest(room, host, 'Admitted');
    assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: knocker.id }), 'admit ack');
    const joined = await knocker.next('room-joined');
    assert.equal(joined.roomId, room.id);
    assert.equal(joined.isHost, false);
    assert.deepEqual(joined.participants.map((p) => p.socketId), [host.id]);
    const seen = await host.next('user-joined');
    assertParticipant(seen.participant, { socketId: knocker.id, displayName: 'Admitted' });
    assertOk(await knocker.ack('chat-message', { roomId: room.id, content: 'thanks' }));
  });

  test('denial gives the joiner join-error Denied by host and no seat', async () => {
    const { room, host, hostUser } = await meeting(node, { settings: WAITING });
    const knocker = await waitingGuest(room, host, 'Denied');
    assertOk(await host.ack('deny-participant', { roomId: room.id, participantId: knocker.id }), 'deny ack');
    assertHas(await knocker.next('join-error'), { code: 'JOIN_FAILED', message: 'Denied by host' }, 'join-error');
    await knocker.none('room-joined');
    await host.none('user-joined', { within: 0 });
    const state = await roomState(node, room, hostUser);
    assert.equal(state.participants.length, 1);
    assertRefused(await host.ack('admit-participant', { roomId: room.id, participantId: knocker.id }), 'TARGET_NOT_FOUND');
  });

  test('capacity is checked at admission, not while waiting', async () => {
    const { room, host, hostUser } = await meeting(node, { settings: { ...WAITING, maxParticipants: 2 } });
    const first = await waitingGuest(room, host, 'First');
    const second = await waitingGuest(room, host, 'Second');
    assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: first.id }));
    await first.next('room-joined');
    await host.next('user-joined');
    // the room is full now: admitting the second must not seat it. PROTOCOL leaves open who
    // hears "Room is full": the joiner (join-error, it leaves the queue) or the host (a
    // refused ack, the joiner keeps waiting). Both are accepted; nothing else is.
    const ack = await host.ack('admit-participant', { roomId: room.id, participantId: second.id });
    await second.none('room-joined');
    await host.none('user-joined', { within: 0 });
    const state = await roomState(node, room, hostUser);
    assert.equal(state.participants.length, 2, 'nobody is seated beyond maxParticipants');
    const joinErrors = second.take('join-error');
    if (joinErrors.length > 0) {
      assertHas(joinErrors[0], { code: 'JOIN_FAILED', message: 'Room is full' }, 'join-error');
    } else {
      assert.equal(ack.success, false, `either the joiner or the host must hear "Room is full", host ack: ${JSON.stringify(ack)}`);
      assert.equal(ack.error, 'Room is full');
      // still waiting: once a seat frees up, the same joiner can be admitted
      assertOk(await first.ack('leave-room', { roomId: room.id }));
      await host.next('user-left');
      assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: second.id }));
      assert.equal((await second.next('room-joined')).roomId, room.id);
    }
  });

  test('a non-host cannot admit or deny', async () => {
    const { room, host } = await meeting(node, { settings: WAITING });
    const knocker = await waitingGuest(room, host, 'Knocker');
    const insider = await waitingGuest(room, host, 'Insider');
    assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: insider.id }));
    await insider.next('room-joined');
    assertRefused(await insider.ack('admit-participant', { roomId: room.id, participantId: knocker.id }), 'FORBIDDEN');
    assertRefused(await insider.ack('deny-participant', { roomId: room.id, participantId: knocker.id }), 'FORBIDDEN');
    await knocker.none('room-joined');
    await knocker.none('join-error', { within: 0 });
  });

  test('admitting or denying someone who is not waiting is refused with TARGET_NOT_FOUND', async () => {
    const { room, host } = await meeting(node, { settings: WAITING });
    const stranger = await guest(node, 'Stranger');
    assertRefused(await host.ack('admit-participant', { roomId: room.id, participantId: stranger.id }), 'TARGET_NOT_FOUND');
    assertRefused(await host.ack('deny-participant', { roomId: room.id, participantId: 'nobody' }), 'TARGET_NOT_FOUND');
    await stranger.none('room-joined');
    assertRefused(await host.ack('admit-participant', { roomId: room.id }), 'INVALID_PAYLOAD');
  });
});

describe('leaving the queue', () => {
  test('a waiting joiner that sends leave-room leaves the queue', async () => {
    const { room, host } = await meeting(node, { settings: WAITING });
    const knocker = await waitingGuest(room, host);
    const id = knocker.id;
    assertOk(await knocker.ack('leave-room', { roomId: room.id }));
    assertHas(await host.next('participant-waiting-cancelled'), { socketId: id });
    assertRefused(await host.ack('admit-participant', { roomId: room.id, participantId: id }), 'TARGET_NOT_FOUND');
    await knocker.none('room-joined');
  });

  test('a waiting joiner that disconnects leaves the queue', async () => {
    const { room, host } = await meeting(node, { settings: WAITING });
    const knocker = await waitingGuest(room, host);
    const id = knocker.id;
    knocker.close();
    assertHas(await host.next('participant-waiting-cancelled', { timeout: 5_000 }), { socketId: id });
    assertRefused(await host.ack('admit-participant', { roomId: room.id, participantId: id }), 'TARGET_NOT_FOUND');
  });

  test('a host who joins after a joiner gave up does not find it in the queue', async () => {
    const hostUser = newUser('Host');
    const room = await createRoom(node, hostUser, WAITING);
    const stays = await waitingGuest(room, null, 'Stays');
    const quits = await waitingGuest(room, null, 'Quits');
    quits.close();
    // nobody can observe the cancellation while no host is present: give the close a moment
    await delay(300);
    const host = await member(node, hostUser);
    const { joined } = await host.join(room.code);
    assert.deepEqual(joined.waiting.map((p) => p.socketId), [stays.id]);
  });
});

describe('locked waiting room', () => {
  test('a locked room refuses before anyone waits', async () => {
    const { room, host } = await meeting(node, { settings: WAITING });
    assertOk(await host.ack('lock-room', { roomId: room.id, locked: true }));
    const peer = await guest(node, 'Locked Out');
    const ack = await peer.ack('join-room', { roomCode: room.code });
    assertRefused(ack, 'JOIN_FAILED', 'Room is locked');
    assertHas(await peer.next('join-error'), { code: 'JOIN_FAILED', message: 'Room is locked' });
    await peer.none('waiting-for-host', { within: 0 });
    await host.none('participant-waiting');
  });

  test('the host is never held in the waiting room', async () => {
    const hostUser = newUser('Host');
    const room = await createRoom(node, hostUser, WAITING);
    const host = await member(node, hostUser);
    const ack = await host.ack('join-room', { roomCode: room.code });
    assertOk(ack);
    assert.notEqual(ack.waiting, true, 'the host is seated, not held');
    const joined = await host.next('room-joined');
    assert.equal(joined.isHost, true);
    await host.none('waiting-for-host', { within: 0 });
  });
});
