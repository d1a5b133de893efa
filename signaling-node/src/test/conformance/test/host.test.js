// PROTOCOL §5 Host controls: mute, remove, lock, end.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas, assertOk, assertRefused } from '../lib/assertions.js';
import { meeting, seat } from '../lib/fixtures.js';
import { newUser } from '../lib/jwt.js';
import { closeAllPeers, guest, member } from '../lib/peer.js';
import { lookupCode, roomState } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node;

before(async () => {
  node = await startNode({ NODE_ID: 'conf-host' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

async function assertJoinFails(peer, roomCode, message) {
  const ack = await peer.ack('join-room', { roomCode });
  assertRefused(ack, 'JOIN_FAILED', message);
  assertHas(await peer.next('join-error'), { code: 'JOIN_FAILED', message }, 'join-error');
}

describe('mute-participant', () => {
  test('the target receives force-mute and the whole room user-toggle-audio', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['Loud', 'Bystander'] });
    const [loud, bystander] = guests;
    assertOk(await host.ack('mute-participant', { roomId: room.id, participantId: loud.id }));
    assert.deepEqual(await loud.next('force-mute'), {});
    for (const peer of [host, loud, bystander]) {
      assertHas(await peer.next('user-toggle-audio'), { socketId: loud.id, enabled: false }, `${peer.label} user-toggle-audio`);
    }
    const state = await roomState(node, room, hostUser);
    assert.equal(state.participants.find((p) => p.socketId === loud.id).isMuted, true);
  });

  test('targetId is accepted in place of participantId', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Loud'] });
    assertOk(await host.ack('mute-participant', { roomId: room.id, targetId: guests[0].id }));
    assert.deepEqual(await guests[0].next('force-mute'), {});
  });

  test('a non-host is refused with FORBIDDEN and nobody is muted', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Rebel', 'Victim'] });
    const user = newUser('Member Rebel');
    const memberRebel = await member(node, user);
    await seat(memberRebel, room.code, [host, ...guests]);
    assertRefused(await guests[0].ack('mute-participant', { roomId: room.id, participantId: guests[1].id }), 'FORBIDDEN');
    assertRefused(await memberRebel.ack('mute-participant', { roomId: room.id, participantId: host.id }), 'FORBIDDEN');
    await guests[1].none('force-mute');
    await host.none('force-mute', { within: 0 });
    await host.none('user-toggle-audio', { within: 0 });
  });

  test('a participant of another room is refused with TARGET_NOT_FOUND', async () => {
    const a = await meeting(node);
    const b = await meeting(node, { guests: ['Outsider'] });
    assertRefused(await a.host.ack('mute-participant', { roomId: a.room.id, participantId: b.guests[0].id }), 'TARGET_NOT_FOUND');
    assertRefused(await a.host.ack('mute-participant', { roomId: a.room.id, participantId: 'nobody' }), 'TARGET_NOT_FOUND');
    await b.guests[0].none('force-mute');
  });

  test('host controls for a room the host does not sit in are refused with NOT_IN_ROOM', async () => {
    const a = await meeting(node);
    const b = await meeting(node, { guests: ['Target'] });
    assertRefused(await a.host.ack('mute-participant', { roomId: b.room.id, participantId: b.guests[0].id }), 'NOT_IN_ROOM');
    assertRefused(await a.host.ack('lock-room', { roomId: b.room.id, locked: true }), 'NOT_IN_ROOM');
    assertRefused(await a.host.ack('end-room', { roomId: b.room.id }), 'NOT_IN_ROOM');
    await b.guests[0].none('force-mute');
    await b.guests[0].none('room-locked', { within: 0 });
    await b.guests[0].none('force-disconnect', { within: 0 });
  });
});

describe('remove-participant', () => {
  test('the target receives force-disconnect, is disconnected, and others receive user-left removed', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['Troll', 'Witness'] });
    const [troll, witness] = guests;
    const trollId = troll.id;
    assertOk(await host.ack('remove-participant', { roomId: room.id, participantId: trollId }));
    assertHas(await troll.next('force-disconnect'), { reason: 'Removed by host' }, 'force-disconnect');
    await troll.disconnected(5_000);
    for (const peer of [host, witness]) {
      assertHas(await peer.next('user-left'), { socketId: trollId, reason: 'removed' }, `${peer.label} user-left`);
    }
    const state = await roomState(node, room, hostUser);
    assert.ok(!state.participants.some((p) => p.socketId === trollId));
  });

  test('a removed user cannot rejoin with a fresh socket', async () => {
    const { room, host } = await meeting(node);
    const user = newUser('Banned');
    const first = await member(node, user);
    await seat(first, room.code, [host]);
    assertOk(await host.ack('remove-participant', { roomId: room.id, targetId: first.id }));
    await first.disconnected(5_000);
    const again = await member(node, user);
    await assertJoinFails(again, room.code, 'Removed by host');
    await host.none('user-joined');
  });

  test('a removed guest does not bar other guests', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Removed Guest'] });
    assertOk(await host.ack('remove-participant', { roomId: room.id, participantId: guests[0].id }));
    await guests[0].disconnected(5_000);
    const other = await guest(node, 'Another Guest');
    const { joined } = await other.join(room.code);
    assert.equal(joined.roomId, room.id);
  });

  test('a non-host is refused with FORBIDDEN and nobody is removed', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Rebel', 'Victim'] });
    assertRefused(await guests[0].ack('remove-participant', { roomId: room.id, participantId: guests[1].id }), 'FORBIDDEN');
    assertRefused(await guests[0].ack('remove-participant', { roomId: room.id, participantId: host.id }), 'FORBIDDEN');
    await guests[1].none('force-disconnect');
    await host.none('user-left', { within: 0 });
    assert.ok(guests[1].connected);
  });

  test('an unknown participant is refused with TARGET_NOT_FOUND', async () => {
    const { room, host } = await meeting(node);
    assertRefused(await host.ack('remove-participant', { roomId: room.id, participantId: 'ghost' }), 'TARGET_NOT_FOUND');
  });

  test('missing target fields are refused with INVALID_PAYLOAD', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Target'] });
    assertRefused(await host.ack('remove-participant', { roomId: room.id }), 'INVALID_PAYLOAD');
    assertRefused(await host.ack('mute-participant', { roomId: room.id, participantId: 7 }), 'INVALID_PAYLOAD');
    await guests[0].none('force-disconnect');
    await guests[0].none('force-mute', { within: 0 });
  });
});

describe('lock-room', () => {
  test('others receive room-locked and newcomers are refused until the room is unlocked', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Inside'] });
    assertOk(await host.ack('lock-room', { roomId: room.id, locked: true }));
    assertHas(await guests[0].next('room-locked'), { locked: true });
    await host.none('room-locked');
    const lookup = await lookupCode(node, room.code);
    assert.equal(lookup.body.isLocked, true);
    const late = await guest(node, 'Late');
    await assertJoinFails(late, room.code, 'Room is locked');
    assertOk(await host.ack('lock-room', { roomId: room.id, locked: false }));
    assertHas(await guests[0].next('room-locked'), { locked: false });
    assert.equal((await lookupCode(node, room.code)).body.isLocked, false);
    const { joined } = await late.join(room.code);
    assert.equal(joined.roomId, room.id);
  });

  test('a locked room lets its own participants stay and rejoin harmlessly', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Inside'] });
    assertOk(await host.ack('lock-room', { roomId: room.id, locked: true }));
    await guests[0].next('room-locked');
    assertOk(await guests[0].ack('chat-message', { roomId: room.id, content: 'still here' }));
    assert.equal((await host.next('chat-message')).content, 'still here');
  });

  test('a non-host is refused with FORBIDDEN and the room stays open', async () => {
    const { room, guests } = await meeting(node, { guests: ['Rebel', 'Other'] });
    assertRefused(await guests[0].ack('lock-room', { roomId: room.id, locked: true }), 'FORBIDDEN');
    await guests[1].none('room-locked');
    assert.equal((await lookupCode(node, room.code)).body.isLocked, false);
  });

  test('a locked value that is not a boolean is refused with INVALID_PAYLOAD', async () => {
    const { room, host } = await meeting(node);
    assertRefused(await host.ack('lock-room', { roomId: room.id, locked: 'true' }), 'INVALID_PAYLOAD');
    assertRefused(await host.ack('lock-room', { roomId: room.id }), 'INVALID_PAYLOAD');
    assert.equal((await lookupCode(node, room.code)).body.isLocked, false);
  });
});

describe('end-room', () => {
  test('every participant receives force-disconnect and later joins fail with Room is no longer active', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['One', 'Two'] });
    const ack = host.ack('end-room', { roomId: room.id }).catch((error) => error);
    for (const peer of [host, ...guests]) {
      assertHas(await peer.next('force-disconnect'), { reason: 'Meeting ended by host' }, `${peer.label} force-disconnect`);
    }
    const answer = await ack;
    assert.ok(!(answer instanceof Error), `the host's end-room must be acknowledged before it is disconnected: ${answer.message}`);
    assertOk(answer, 'end-room ack');
    for (const peer of guests) await peer.disconnected(5_000);
    const lookup = await lookupCode(node, room.code);
    assert.equal(lookup.status, 200);
    assert.equal(lookup.body.isActive, false);
    const late = await guest(node, 'Late');
    await assertJoinFails(late, room.code, 'Room is no longer active');
  });

  test('a non-host is refused with FORBIDDEN and the meeting goes on', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Rebel'] });
    assertRefused(await guests[0].ack('end-room', { roomId: room.id }), 'FORBIDDEN');
    await host.none('force-disconnect');
    assert.equal((await lookupCode(node, room.code)).body.isActive, true);
    assertOk(await guests[0].ack('chat-message', { roomId: room.id, content: 'still on' }));
  });
});

describe('host identity', () => {
  test('a participant who is not the creator is never host, even when authenticated', async () => {
    const { room } = await meeting(node);
    const other = await member(node, newUser('Other Member'));
    const { joined } = await other.join(room.code);
    assert.equal(joined.isHost, false);
    const hostSeen = joined.participants.find((p) => p.isHost);
    assert.ok(hostSeen, 'the host is listed with isHost true');
  });

  test('the host keeps host powers after reconnecting on a new socket', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['Target'] });
    host.close();
    await guests[0].next('user-left', { timeout: 5_000 });
    const back = await member(node, hostUser);
    const { joined } = await back.join(room.code);
    assert.equal(joined.isHost, true);
    assertOk(await back.ack('mute-participant', { roomId: room.id, participantId: guests[0].id }));
    assert.deepEqual(await guests[0].next('force-mute'), {});
  });
});
