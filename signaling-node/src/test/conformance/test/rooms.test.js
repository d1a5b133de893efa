// PROTOCOL §3 (identity, one seat per user) and the Room events of §5.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { DEFAULT_SETTINGS, assertErrorEvent, assertHas, assertIsoTimestamp, assertOk, assertParticipant, assertRefused } from '../lib/assertions.js';
import { meeting, seat } from '../lib/fixtures.js';
import { newUser } from '../lib/jwt.js';
import { closeAllPeers, guest, member } from '../lib/peer.js';
import { createRoom, lookupCode, request, roomState } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node;
let autoNode; // ROOMS_AUTO_CREATE=true

before(async () => {
  node = await startNode({ NODE_ID: 'conf-rooms' });
  autoNode = await startNode({ NODE_ID: 'conf-rooms-auto', ROOMS_AUTO_CREATE: 'true' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await Promise.all([node?.stop(), autoNode?.stop()]);
});

/** A well-formed code that names no room (20 random letters). */
const unknownCode = () =>
  [...randomBytes(20)].map((b) => String.fromCharCode(97 + (b % 26))).join('');

/** Expects join-room to fail with JOIN_FAILED / `message`, both as ack and as join-error. */
async function assertJoinFails(peer, roomCode, message) {
  const ack = await peer.ack('join-room', { roomCode });
  assertRefused(ack, 'JOIN_FAILED', message);
  const event = await peer.next('join-error');
  assertHas(event, { code: 'JOIN_FAILED', message }, 'join-error');
  await peer.none('room-joined', { within: 100 });
  await peer.none('error', { within: 0 });
}

describe('joining', () => {
  test('join-room seats the sender and answers room-joined and an ack with the same data', async () => {
    const hostUser = newUser('Host');
    const room = await createRoom(node, hostUser);
    const host = await member(node, hostUser);
    const ack = await host.ack('join-room', { roomCode: room.code });
    const joined = await host.next('room-joined');
    assertOk(ack, 'join ack');
    for (const key of ['roomId', 'roomCode', 'isHost', 'participants', 'messages', 'settings']) {
      assert.deepEqual(ack[key], joined[key], `ack.${key} must equal room-joined.${key}`);
    }
    assert.equal(joined.roomId, room.id);
    assert.equal(joined.roomCode, room.code);
    assert.equal(joined.isHost, true);
    assert.deepEqual(joined.participants, []);
    assert.deepEqual(joined.messages, []);
    assert.deepEqual(joined.settings, DEFAULT_SETTINGS);
  });

  test('others receive user-joined with the full ParticipantInfo and the joiner does not', async () => {
    const { room, host } = await meeting(node);
    const alice = await guest(node, 'Alice');
    const { joined } = await alice.join(room.code);
    const seen = await host.next('user-joined');
    assertParticipant(seen.participant, {
      socketId: alice.id,
      displayName: 'Alice',
      isHost: false,
      isScreenSharing: false,
      isHandRaised: false,
    });
    assert.equal(joined.participants.length, 1, 'room-joined lists everyone else');
    assertParticipant(joined.participants[0], { socketId: host.id, isHost: true });
    await alice.none('user-joined');
  });

  test('room-joined lists everyone else and never the joiner itself', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['A', 'B'] });
    const carol = await guest(node, 'Carol');
    const joined = await seat(carol, room.code, [host, ...guests]);
    const ids = joined.participants.map((p) => p.socketId).sort();
    assert.deepEqual(ids, [host.id, guests[0].id, guests[1].id].sort());
    assert.ok(!ids.includes(carol.id));
  });

  test('the joinedAt of a participant is an ISO-8601 timestamp of its join', async () => {
    const { room, hostUser, guests } = await meeting(node, { guests: ['Timed'] });
    const state = await roomState(node, room, hostUser);
    const participant = state.participants.find((p) => p.socketId === guests[0].id);
    assertParticipant(participant, { displayName: 'Timed' });
    assertIsoTimestamp(participant.joinedAt, 'joinedAt');
  });

  test('codes are compared ignoring case, hyphens and surrounding blanks', async () => {
    const { room, host } = await meeting(node);
    const plain = room.code.replace(/-/g, '');
    const variants = [room.code.toUpperCase(), plain, plain.toUpperCase(), `  ${room.code}  `, `${plain.slice(0, 2)}-${plain.slice(2)}`];
    for (const [i, code] of variants.entries()) {
      const peer = await guest(node, `Variant ${i}`);
      const { joined } = await peer.join(code);
      assert.equal(joined.roomId, room.id, `code ${JSON.stringify(code)} must name room ${room.code}`);
      await host.next('user-joined', { where: (d) => d.participant.socketId === peer.id });
    }
  });

  test('a display name in join-room replaces the handshake name in that room', async () => {
    const { room, host } = await meeting(node);
    const peer = await guest(node, 'Handshake Name');
    await peer.join(room.code, { displayName: '  Room Name \u0007 ' });
    const seen = await host.next('user-joined');
    assert.equal(seen.participant.displayName, 'Room Name');
  });

  test('an overlong display name in join-room is refused with INVALID_PAYLOAD and seats nobody', async () => {
    const { room, host } = await meeting(node);
    const peer = await guest(node, 'Name');
    const ack = await peer.ack('join-room', { roomCode: room.code, displayName: 'x'.repeat(51) });
    assertRefused(ack, 'INVALID_PAYLOAD');
    await host.none('user-joined');
    await peer.none('room-joined', { within: 0 });
  });

  test('a userId in join-room is ignored', async () => {
    const { room, host, hostUser } = await meeting(node);
    const peer = await guest(node, 'Pretender');
    const { joined } = await peer.join(room.code, { userId: hostUser.sub });
    assert.equal(joined.isHost, false);
    const seen = await host.next('user-joined');
    assert.equal(seen.participant.userId ?? undefined, undefined);
    assert.equal(seen.participant.isHost, false);
  });

  test('joining the room one already sits in answers room-joined again and nobody sees a second user-joined', async () => {
    const { room, host } = await meeting(node);
    const peer = await guest(node, 'Twice');
    await seat(peer, room.code, [host]);
    const { joined } = await peer.join(room.code);
    assert.equal(joined.roomId, room.id);
    assert.deepEqual(joined.participants.map((p) => p.socketId), [host.id]);
    await host.none('user-joined');
    await host.none('user-left', { within: 0 });
    const state = await host.ack('join-room', { roomCode: room.code });
    assert.equal(state.participants.length, 1, 'still exactly one other participant');
  });

  test('joining another room leaves the old one first', async () => {
    const first = await meeting(node);
    const second = await meeting(node);
    const mover = await guest(node, 'Mover');
    await seat(mover, first.room.code, [first.host]);
    const { joined } = await mover.join(second.room.code);
    assert.equal(joined.roomId, second.room.id);
    const left = await first.host.next('user-left');
    assertHas(left, { socketId: mover.id, reason: 'left' }, 'user-left');
    await second.host.next('user-joined', { where: (d) => d.participant.socketId === mover.id });
    const state = await roomState(node, first.room, first.hostUser);
    assert.deepEqual(state.participants.map((p) => p.socketId), [first.host.id]);
    // the old room no longer accepts its events
    assertRefused(await mover.ack('chat-message', { roomId: first.room.id, content: 'hi' }), 'NOT_IN_ROOM');
  });

  test('a join failure without an ack callback arrives as join-error and not as error', async () => {
    const peer = await guest(node, 'No Ack');
    peer.emit('join-room', { roomCode: unknownCode() });
    const event = await peer.next('join-error');
    assert.equal(event.code, 'JOIN_FAILED');
    assert.equal(event.message, 'Room not found');
    await peer.none('error');
  });
});

describe('join failures', () => {
  test('a well-formed code that names no room fails with Room not found', async () => {
    const peer = await guest(node, 'Lost');
    await assertJoinFails(peer, unknownCode(), 'Room not found');
  });

  test('text that cannot be a code fails with Invalid room code', async () => {
    const peer = await guest(node, 'Typo');
    for (const code of ['ab', 'a'.repeat(33), 'abc def ghi', 'abc_def_ghi', 'abc/def', 'ab\u00e7-def', '', '   ']) {
      await assertJoinFails(peer, code, 'Invalid room code');
    }
  });

  test('a roomCode that is not a string is refused with INVALID_PAYLOAD', async () => {
    const peer = await guest(node, 'Typed');
    assertRefused(await peer.ack('join-room', { roomCode: 123456789 }), 'INVALID_PAYLOAD');
    assertRefused(await peer.ack('join-room', {}), 'INVALID_PAYLOAD');
    await peer.none('room-joined', { within: 100 });
  });

  test('a locked room refuses newcomers with Room is locked and the host can still rejoin', async () => {
    const { room, host, hostUser } = await meeting(node);
    assertOk(await host.ack('lock-room', { roomId: room.id, locked: true }));
    const peer = await guest(node, 'Late');
    await assertJoinFails(peer, room.code, 'Room is locked');
    host.close();
    const again = await member(node, hostUser);
    const { joined } = await again.join(room.code);
    assert.equal(joined.isHost, true);
  });

  test('a full room refuses with Room is full and never refuses the host', async () => {
    const hostUser = newUser('Host');
    const room = await createRoom(node, hostUser, { maxParticipants: 2 });
    const first = await guest(node, 'First');
    await first.join(room.code);
    const second = await guest(node, 'Second');
    await seat(second, room.code, [first]);
    const third = await guest(node, 'Third');
    await assertJoinFails(third, room.code, 'Room is full');
    const host = await member(node, hostUser);
    const { joined } = await host.join(room.code);
    assert.equal(joined.isHost, true, 'the host joins a full room');
    assert.equal(joined.participants.length, 2);
    const fourth = await guest(node, 'Fourth');
    await assertJoinFails(fourth, room.code, 'Room is full');
    const state = await roomState(node, room, hostUser);
    assert.equal(state.participants.length, 3);
  });

  test('concurrent joins never seat more than maxParticipants and the host counts towards it', async () => {
    const { room, hostUser } = await meeting(node, { settings: { maxParticipants: 5 } });
    const joiners = await Promise.all(Array.from({ length: 12 }, (_, i) => guest(node, `Rush ${i}`)));
    const acks = await Promise.all(joiners.map((peer) => peer.ack('join-room', { roomCode: room.code })));
    const seated = acks.filter((a) => a.success === true).length;
    for (const ack of acks.filter((a) => a.success !== true)) assertRefused(ack, 'JOIN_FAILED', 'Room is full');
    assert.equal(seated, 4, 'the host plus four guests fill five places');
    const state = await roomState(node, room, hostUser);
    assert.equal(state.participants.length, 5);
  });

  test('a seat freed by leaving makes room for the next joiner', async () => {
    const hostUser = newUser('Host');
    const room = await createRoom(node, hostUser, { maxParticipants: 2 });
    const first = await guest(node, 'First');
    await first.join(room.code);
    const second = await guest(node, 'Second');
    await seat(second, room.code, [first]);
    assertOk(await second.ack('leave-room', { roomId: room.id }));
    const third = await guest(node, 'Third');
    const { joined } = await third.join(room.code);
    assert.equal(joined.roomId, room.id);
  });

  test('an ended room refuses with Room is no longer active', async () => {
    const { room, hostUser } = await meeting(node);
    const response = await request(node, 'DELETE', `/api/rooms/${room.id}`, { token: hostUser.token });
    assert.equal(response.status, 204);
    const peer = await guest(node, 'Too Late');
    await assertJoinFails(peer, room.code, 'Room is no longer active');
    const member2 = await member(node, hostUser);
    await assertJoinFails(member2, room.code, 'Room is no longer active');
  });
});

describe('leaving', () => {
  test('leave-room releases the seat and others receive user-left with reason left', async () => {
    const { room, host, hostUser } = await meeting(node);
    const user = newUser('Leaver');
    const leaver = await member(node, user);
    await seat(leaver, room.code, [host]);
    assertOk(await leaver.ack('leave-room', { roomId: room.id }));
    const left = await host.next('user-left');
    assertHas(left, { socketId: leaver.id, userId: user.sub, reason: 'left' }, 'user-left');
    const state = await roomState(node, room, hostUser);
    assert.deepEqual(state.participants.map((p) => p.socketId), [host.id]);
    assertRefused(await leaver.ack('chat-message', { roomId: room.id, content: 'still here?' }), 'NOT_IN_ROOM');
  });

  test('a guest leaving yields user-left without a user id', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Gone'] });
    assertOk(await guests[0].ack('leave-room', { roomId: room.id }));
    const left = await host.next('user-left');
    assert.equal(left.socketId, guests[0].id);
    assert.equal(left.reason, 'left');
    assert.equal(left.userId ?? undefined, undefined);
  });

  test('leave-room for a room the sender does not sit in is refused with NOT_IN_ROOM', async () => {
    const a = await meeting(node, { guests: ['A'] });
    const b = await meeting(node);
    assertRefused(await a.guests[0].ack('leave-room', { roomId: b.room.id }), 'NOT_IN_ROOM');
    await a.host.none('user-left');
    await b.host.none('user-left', { within: 0 });
  });

  test('leave-room from a socket without a seat is refused with NOT_IN_ROOM', async () => {
    const { room } = await meeting(node);
    const loner = await guest(node, 'Loner');
    assertRefused(await loner.ack('leave-room', { roomId: room.id }), 'NOT_IN_ROOM');
    loner.emit('leave-room', { roomId: room.id });
    assertErrorEvent(await loner.next('error'), 'NOT_IN_ROOM');
  });

  test('a disconnect releases the seat and others receive user-left with reason disconnected', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['Dropper'] });
    const id = guests[0].id;
    guests[0].close();
    const left = await host.next('user-left', { timeout: 5_000 });
    assert.equal(left.socketId, id);
    assert.equal(left.reason, 'disconnected');
    const state = await roomState(node, room, hostUser);
    assert.deepEqual(state.participants.map((p) => p.socketId), [host.id]);
  });
});

describe('identity', () => {
  test('a host who reconnects with a new socket is host again', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['Witness'] });
    host.close();
    await guests[0].next('user-left', { timeout: 5_000 });
    const back = await member(node, hostUser);
    const { joined } = await back.join(room.code);
    assert.equal(joined.isHost, true);
    const seen = await guests[0].next('user-joined');
    assert.equal(seen.participant.isHost, true);
    assertOk(await back.ack('lock-room', { roomId: room.id, locked: true }), 'host controls work after reconnecting');
  });

  test('a second socket of the same user replaces the first seat', async () => {
    const { room, host } = await meeting(node);
    const user = newUser('Twin');
    const first = await member(node, user);
    await seat(first, room.code, [host]);
    const firstId = first.id;
    const second = await member(node, user);
    const { joined } = await second.join(room.code);
    const forced = await first.next('force-disconnect');
    assertHas(forced, { reason: 'Joined from another connection' }, 'force-disconnect');
    await first.disconnected();
    const left = await host.next('user-left');
    assertHas(left, { socketId: firstId, userId: user.sub, reason: 'replaced' }, 'user-left');
    const seen = await host.next('user-joined');
    assert.equal(seen.participant.socketId, second.id);
    assert.equal(seen.participant.userId, user.sub);
    assert.deepEqual(joined.participants.map((p) => p.socketId), [host.id], 'the old seat is gone');
  });

  test('two sockets of the same user in different rooms keep both seats', async () => {
    const a = await meeting(node);
    const b = await meeting(node);
    const user = newUser('Busy');
    const one = await member(node, user);
    await seat(one, a.room.code, [a.host]);
    const two = await member(node, user);
    await seat(two, b.room.code, [b.host]);
    await one.none('force-disconnect');
    await a.host.none('user-left', { within: 0 });
    assert.ok(one.connected);
  });
});

describe('auto-created rooms', () => {
  test('with ROOMS_AUTO_CREATE an unknown code creates the room and an authenticated joiner becomes host', async () => {
    const code = `DEMO-${unknownCode().slice(0, 8)}`;
    const user = newUser('Demo Host');
    const creator = await member(autoNode, user);
    const { joined } = await creator.join(code);
    assert.equal(joined.isHost, true);
    assert.equal(typeof joined.roomId, 'string');
    const lookup = await lookupCode(autoNode, code);
    assert.equal(lookup.status, 200);
    assert.equal(lookup.body.id, joined.roomId);
    assert.equal(lookup.body.participantCount, 1);
    const visitor = await guest(autoNode, 'Visitor');
    const again = await visitor.join(code.toLowerCase());
    assert.equal(again.joined.roomId, joined.roomId, 'the same code names the created room');
    assert.equal(again.joined.isHost, false);
  });

  test('with ROOMS_AUTO_CREATE a guest creates a room without becoming host', async () => {
    const peer = await guest(autoNode, 'Guest Creator');
    const { joined } = await peer.join(unknownCode());
    assert.equal(joined.isHost, false);
    assertRefused(await peer.ack('lock-room', { roomId: joined.roomId, locked: true }), 'FORBIDDEN');
  });

  test('with ROOMS_AUTO_CREATE an invalid code still fails with Invalid room code', async () => {
    const peer = await guest(autoNode, 'Typo');
    await assertJoinFails(peer, 'a b', 'Invalid room code');
  });

  test('without ROOMS_AUTO_CREATE an unknown code creates nothing', async () => {
    const code = unknownCode();
    const peer = await member(node, newUser('Would Be Host'));
    await assertJoinFails(peer, code, 'Room not found');
    assert.equal((await lookupCode(node, code)).status, 404);
  });
});
