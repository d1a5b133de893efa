// PROTOCOL §5 across nodes (§8): three nodes on one Redis, participants spread over them, every event.
// A client must not be able to tell whether its peers sit on its own node or on another one.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  assertChatMessage,
  assertHas,
  assertOk,
  assertParticipant,
  assertRefused,
  DEFAULT_SETTINGS,
} from '../../lib/assertions.js';
import { assertSameSet, eventually, spreadMeeting, startCluster } from '../../lib/cluster.js';
import { seat } from '../../lib/fixtures.js';
import { newUser } from '../../lib/jwt.js';
import { closeAllPeers, guest, member } from '../../lib/peer.js';
import { createRoom, lookupCode, request, roomState } from '../../lib/rest.js';

let cluster;
let n1;
let n2;
let n3;

before(async () => {
  cluster = await startCluster({ name: 'meet', nodes: 3 });
  [n1, n2, n3] = cluster.nodes;
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

/** Host on node 1, `Two` on node 2, `Three` on node 3. */
function threeNodeMeeting(options = {}) {
  return spreadMeeting(n1, { guests: [['Two', n2], ['Three', n3]], ...options });
}

async function assertJoinFails(peer, roomCode, message) {
  assertRefused(await peer.ack('join-room', { roomCode }), 'JOIN_FAILED', message);
  assertHas(await peer.next('join-error'), { code: 'JOIN_FAILED', message }, 'join-error');
}

async function participantCount(node, code) {
  const response = await lookupCode(node, code);
  assert.equal(response.status, 200, `GET /api/rooms/code/${code} on ${node.nodeId}: ${response.text.slice(0, 200)}`);
  return response.body.participantCount;
}

describe('join and leave across nodes', () => {
  test('room-joined lists the participants seated on other nodes', async () => {
    const { room, host, hostUser, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    const user = newUser('Four');
    const four = await member(n2, user);
    const joined = await seat(four, room.code, [host, two, three]);
    assert.equal(joined.roomId, room.id);
    assert.equal(joined.isHost, false);
    assert.deepEqual(
      joined.participants.map((p) => p.socketId),
      [host.id, two.id, three.id],
      'everyone else, in joining order, whatever node they sit on',
    );
    assertParticipant(joined.participants[0], { displayName: 'Host', userId: hostUser.sub, isHost: true });
    assertParticipant(joined.participants[1], { displayName: 'Two', isHost: false, userId: undefined });
    assertParticipant(joined.participants[2], { displayName: 'Three', isHost: false });
  });

  test('user-joined from one node reaches the participants on every other node', async () => {
    const { room, host, guests } = await threeNodeMeeting();
    const user = newUser('Newcomer');
    const newcomer = await member(n3, user);
    await newcomer.join(room.code);
    for (const peer of [host, ...guests]) {
      const { participant } = await peer.next('user-joined');
      assertParticipant(participant, { socketId: newcomer.id, userId: user.sub, displayName: 'Newcomer', isHost: false });
    }
    await newcomer.none('user-joined');
  });

  test('joining the room one already sits in again shows nobody a second user-joined', async () => {
    const { room, host, guests } = await threeNodeMeeting();
    const { joined } = await guests[1].join(room.code);
    assert.equal(joined.roomId, room.id);
    await host.none('user-joined');
    await guests[0].none('user-joined', { within: 0 });
  });

  test('leave-room on one node reaches the others as user-left left and frees the seat', async () => {
    const { room, host, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    assert.equal(await participantCount(n3, room.code), 3);
    assertOk(await two.ack('leave-room', { roomId: room.id }));
    for (const peer of [host, three]) {
      assertHas(await peer.next('user-left'), { socketId: two.id, reason: 'left' }, `${peer.label} user-left`);
    }
    await two.none('user-left');
    for (const node of [n1, n2, n3]) assert.equal(await participantCount(node, room.code), 2, `count on ${node.nodeId}`);
  });

  test('a socket that disconnects on one node leaves with reason disconnected everywhere', async () => {
    const { room, host, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    const id = three.id;
    three.close();
    for (const peer of [host, two]) {
      assertHas(await peer.next('user-left'), { socketId: id, reason: 'disconnected' }, `${peer.label} user-left`);
    }
    assert.equal(await participantCount(n2, room.code), 2);
  });

  test('a socket seated in a room served by other nodes leaves it first when it joins another', async () => {
    const a = await threeNodeMeeting();
    const b = await spreadMeeting(n3, { guests: [['B Two', n2]] });
    const mover = a.guests[0];
    const joined = await seat(mover, b.room.code, [b.host, b.guests[0]]);
    assert.equal(joined.roomId, b.room.id);
    for (const peer of [a.host, a.guests[1]]) {
      assertHas(await peer.next('user-left'), { socketId: mover.id }, `${peer.label} user-left`);
    }
  });
});

describe('WebRTC relay across nodes', () => {
  test('offer, answer and ice-candidate reach a target on another node unchanged', async () => {
    const user = newUser('Caller');
    const { host, guests } = await spreadMeeting(n1, { guests: [{ name: 'Caller', node: n2, user }, ['Callee', n3]] });
    const [caller, callee] = guests;
    const sdp = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    caller.emit('offer', { targetId: callee.id, sdp });
    assert.deepEqual(await callee.next('offer'), { senderId: caller.id, userId: user.sub, displayName: 'Caller', sdp });

    const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
    assertOk(await callee.ack('answer', { targetId: caller.id, sdp: answer }));
    assert.deepEqual(await caller.next('answer'), { senderId: callee.id, sdp: answer });

    const candidate = { candidate: 'candidate:1 1 UDP 2122252543 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    assertOk(await caller.ack('ice-candidate', { targetId: callee.id, candidate }));
    assertOk(await callee.ack('ice-candidate', { targetId: caller.id, candidate }));
    assert.deepEqual(await callee.next('ice-candidate'), { senderId: caller.id, candidate });
    assert.deepEqual(await caller.next('ice-candidate'), { senderId: callee.id, candidate });

    // the host on node 1 sees none of it, and neither side sees its own signals
    await host.none('offer');
    for (const event of ['answer', 'ice-candidate']) await host.none(event, { within: 0 });
    await caller.none('offer', { within: 0 });
  });

  test('a guest offer to the host on another node carries no userId', async () => {
    const { host, guests } = await threeNodeMeeting();
    const sdp = { type: 'offer', sdp: 'guest-offer' };
    assertOk(await guests[1].ack('offer', { targetId: host.id, sdp }));
    assertHas(await host.next('offer'), { senderId: guests[1].id, displayName: 'Three', sdp, userId: undefined });
  });

  test('a target seated in another room on another node is refused with TARGET_NOT_FOUND', async () => {
    const a = await threeNodeMeeting();
    const b = await spreadMeeting(n3, { guests: [['Elsewhere', n2]] });
    const outsider = b.guests[0];
    for (const event of ['offer', 'answer']) {
      assertRefused(await a.guests[0].ack(event, { targetId: outsider.id, sdp: { type: 'offer', sdp: 'x' } }), 'TARGET_NOT_FOUND');
    }
    assertRefused(
      await a.guests[1].ack('ice-candidate', { targetId: b.host.id, candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } }),
      'TARGET_NOT_FOUND',
    );
    await outsider.none('offer');
    for (const event of ['answer', 'ice-candidate']) await outsider.none(event, { within: 0 });
    await b.host.none('ice-candidate', { within: 0 });
  });

  test('a target that left on its node is refused with TARGET_NOT_FOUND', async () => {
    const { room, host, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    assertOk(await three.ack('leave-room', { roomId: room.id }));
    await host.next('user-left');
    await eventually('the sender node learns that the target left', async () => {
      assertRefused(await two.ack('offer', { targetId: three.id, sdp: { type: 'offer', sdp: 'x' } }), 'TARGET_NOT_FOUND');
    });
  });

  test('events naming a room seated on other nodes that the sender is not in are refused with NOT_IN_ROOM', async () => {
    const a = await threeNodeMeeting();
    const b = await spreadMeeting(n3, { guests: [['Elsewhere', n2]] });
    const sender = a.guests[0];
    for (const [event, payload] of [
      ['toggle-audio', { roomId: b.room.id, enabled: false }],
      ['toggle-video', { roomId: b.room.id, enabled: false }],
      ['start-screen-share', { roomId: b.room.id }],
      ['toggle-hand-raise', { roomId: b.room.id, raised: true }],
      ['chat-message', { roomId: b.room.id, content: 'intruding' }],
      ['typing-start', { roomId: b.room.id }],
      ['leave-room', { roomId: b.room.id }],
    ]) {
      assertRefused(await sender.ack(event, payload), 'NOT_IN_ROOM', undefined);
    }
    assertRefused(await a.host.ack('mute-participant', { roomId: b.room.id, participantId: b.guests[0].id }), 'NOT_IN_ROOM');
    assertRefused(await a.host.ack('mute-participant', { roomId: a.room.id, participantId: b.guests[0].id }), 'TARGET_NOT_FOUND');
    assertRefused(await a.host.ack('remove-participant', { roomId: a.room.id, participantId: b.guests[0].id }), 'TARGET_NOT_FOUND');
    for (const event of ['user-toggle-audio', 'user-toggle-video', 'screen-share-started', 'user-hand-raised', 'chat-message', 'user-typing', 'user-left']) {
      await b.host.none(event, { within: 0 });
      await b.guests[0].none(event, { within: 0 });
    }
    await b.guests[0].none('force-mute');
    await b.guests[0].none('force-disconnect', { within: 0 });
  });
});

describe('media state across nodes', () => {
  test('audio, video, screen share and hands reach the other nodes and are seen by a later joiner', async () => {
    const { room, host, hostUser, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    const steps = [
      ['toggle-audio', { enabled: false }, 'user-toggle-audio', { socketId: two.id, enabled: false }],
      ['toggle-video', { enabled: false }, 'user-toggle-video', { socketId: two.id, enabled: false }],
      ['start-screen-share', {}, 'screen-share-started', { socketId: two.id }],
      ['toggle-hand-raise', { raised: true }, 'user-hand-raised', { socketId: two.id, displayName: 'Two' }],
    ];
    for (const [event, payload, seen, expected] of steps) {
      assertOk(await two.ack(event, { roomId: room.id, ...payload }), event);
      for (const peer of [host, three]) assertHas(await peer.next(seen), expected, `${peer.label} ${seen}`);
      await two.none(seen, { within: 0 });
    }
    const late = await guest(n3, 'Late');
    const joined = await seat(late, room.code, [host, two, three]);
    const info = joined.participants.find((p) => p.socketId === two.id);
    assertParticipant(info, { isMuted: true, isVideoOff: true, isScreenSharing: true, isHandRaised: true });
    const state = await roomState(n2, room, hostUser);
    assertParticipant(
      state.participants.find((p) => p.socketId === two.id),
      { isMuted: true, isVideoOff: true, isScreenSharing: true, isHandRaised: true },
    );

    const back = [
      ['toggle-audio', { enabled: true }, 'user-toggle-audio', { socketId: two.id, enabled: true }],
      ['toggle-video', { enabled: true }, 'user-toggle-video', { socketId: two.id, enabled: true }],
      ['stop-screen-share', {}, 'screen-share-stopped', { socketId: two.id }],
      ['toggle-hand-raise', { raised: false }, 'user-hand-lowered', { socketId: two.id }],
    ];
    for (const [event, payload, seen, expected] of back) {
      assertOk(await two.ack(event, { roomId: room.id, ...payload }), event);
      for (const peer of [host, three, late]) assertHas(await peer.next(seen), expected, `${peer.label} ${seen}`);
    }
    const after = await roomState(n3, room, hostUser);
    assertParticipant(
      after.participants.find((p) => p.socketId === two.id),
      { isMuted: false, isVideoOff: false, isScreenSharing: false, isHandRaised: false },
    );
  });

  test('room settings set on one node bind participants on the other nodes', async () => {
    const { room, host, guests } = await threeNodeMeeting({
      settings: { allowScreenShare: false, allowParticipantAudio: false, allowParticipantVideo: false, allowChat: false },
    });
    const [two, three] = guests;
    assertRefused(await two.ack('start-screen-share', { roomId: room.id }), 'NOT_ALLOWED');
    assertRefused(await three.ack('toggle-audio', { roomId: room.id, enabled: true }), 'NOT_ALLOWED');
    assertRefused(await three.ack('toggle-video', { roomId: room.id, enabled: true }), 'NOT_ALLOWED');
    assertRefused(await two.ack('chat-message', { roomId: room.id, content: 'hello?' }), 'NOT_ALLOWED');
    await host.none('screen-share-started');
    for (const event of ['user-toggle-audio', 'user-toggle-video', 'chat-message']) await host.none(event, { within: 0 });
  });
});

describe('chat across nodes', () => {
  test('everyone on every node receives each message, the sender included, in the order sent', async () => {
    const { room, everyone } = await threeNodeMeeting();
    const sent = [];
    for (let i = 0; i < 6; i++) {
      const sender = everyone[i % 3];
      const ack = await sender.ack('chat-message', { roomId: room.id, content: `  message ${i} from ${sender.label}  ` });
      assertOk(ack, 'chat ack');
      assertChatMessage(ack.message, { senderId: sender.id, senderName: sender.label, content: `message ${i} from ${sender.label}`, roomId: room.id, type: 'TEXT' });
      sent.push(ack.message);
    }
    for (const peer of everyone) {
      const received = [];
      for (let i = 0; i < sent.length; i++) received.push(await peer.next('chat-message'));
      assert.deepEqual(received, sent, `${peer.label} received every message once, in order`);
    }
  });

  test('the history is the same from every node, in the same order, also for messages sent at once', async () => {
    const { room, everyone } = await threeNodeMeeting();
    // 30 messages sent concurrently from three nodes
    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, i) => everyone[i % 3].ack('chat-message', { roomId: room.id, content: `burst ${i}` })),
    );
    for (const ack of acks) assertOk(ack, 'chat ack');
    const live = [];
    for (const peer of everyone) {
      const received = [];
      for (let i = 0; i < 30; i++) received.push((await peer.next('chat-message', { timeout: 5_000 })).id);
      live.push(received);
    }
    assert.deepEqual(live[1], live[0], 'participants on node 1 and node 2 see the same live order');
    assert.deepEqual(live[2], live[0], 'participants on node 1 and node 3 see the same live order');

    const histories = [];
    for (const node of [n1, n2, n3]) {
      const late = await guest(node, `Reader on ${node.nodeId}`);
      const joined = await seat(late, room.code, []);
      histories.push(joined.messages);
      assert.equal(joined.messages.length, 30, `history on ${node.nodeId}`);
      for (const message of joined.messages) assertChatMessage(message, { roomId: room.id });
    }
    assert.deepEqual(histories[1], histories[0], 'history from node 2 equals the one from node 1');
    assert.deepEqual(histories[2], histories[0], 'history from node 3 equals the one from node 1');
    assertSameSet(histories[0].map((m) => m.id), acks.map((a) => a.message.id), 'every acknowledged message is in the history');
  });

  test('typing-start and typing-stop reach the other nodes, and typing lapses after about 3 s', async () => {
    const { room, host, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    assertOk(await two.ack('typing-start', { roomId: room.id }));
    for (const peer of [host, three]) {
      assertHas(await peer.next('user-typing'), { socketId: two.id, displayName: 'Two', isTyping: true }, `${peer.label} typing`);
    }
    await two.none('user-typing');
    assertOk(await two.ack('typing-stop', { roomId: room.id }));
    for (const peer of [host, three]) {
      assertHas(await peer.next('user-typing'), { socketId: two.id, isTyping: false }, `${peer.label} typing stopped`);
    }

    assertOk(await three.ack('typing-start', { roomId: room.id }));
    assertHas(await host.next('user-typing'), { socketId: three.id, isTyping: true });
    assertHas(await two.next('user-typing'), { socketId: three.id, isTyping: true });
    const started = performance.now();
    const lapse = await host.next('user-typing', { timeout: 5_000 });
    const elapsed = performance.now() - started;
    assertHas(lapse, { socketId: three.id, displayName: 'Three', isTyping: false });
    assert.ok(elapsed >= 2_500 && elapsed <= 4_500, `lapse after ${Math.round(elapsed)} ms, expected 2500–4500`);
    assertHas(await two.next('user-typing'), { socketId: three.id, isTyping: false });
  });
});

describe('host controls from node 1 on participants of nodes 2 and 3', () => {
  test('mute-participant: the target receives force-mute and the whole room user-toggle-audio', async () => {
    const { room, host, hostUser, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    for (const target of [two, three]) {
      assertOk(await host.ack('mute-participant', { roomId: room.id, participantId: target.id }));
      assert.deepEqual(await target.next('force-mute'), {});
      for (const peer of [host, two, three]) {
        assertHas(await peer.next('user-toggle-audio'), { socketId: target.id, enabled: false }, `${peer.label} user-toggle-audio`);
      }
    }
    const state = await roomState(n3, room, hostUser);
    for (const target of [two, three]) assert.equal(state.participants.find((p) => p.socketId === target.id).isMuted, true);
  });

  test('remove-participant: force-disconnect, user-left removed everywhere, and no rejoin from any node', async () => {
    const user = newUser('Troll');
    const { room, host, hostUser, guests } = await spreadMeeting(n1, { guests: [{ name: 'Troll', node: n2, user }, ['Witness', n3]] });
    const [troll, witness] = guests;
    const trollId = troll.id;
    assertOk(await host.ack('remove-participant', { roomId: room.id, participantId: trollId }));
    assertHas(await troll.next('force-disconnect'), { reason: 'Removed by host' });
    await troll.disconnected(5_000);
    for (const peer of [host, witness]) {
      assertHas(await peer.next('user-left'), { socketId: trollId, userId: user.sub, reason: 'removed' }, `${peer.label} user-left`);
    }
    const state = await roomState(n2, room, hostUser);
    assert.ok(!state.participants.some((p) => p.socketId === trollId), 'the removed participant holds no seat');
    for (const node of [n1, n2, n3]) {
      const again = await member(node, user);
      await assertJoinFails(again, room.code, 'Removed by host');
      again.close();
    }
    await host.none('user-joined');
  });

  test('remove-participant of a guest on node 3 disconnects it there', async () => {
    const { room, host, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    const id = three.id;
    assertOk(await host.ack('remove-participant', { roomId: room.id, targetId: id }));
    assertHas(await three.next('force-disconnect'), { reason: 'Removed by host' });
    await three.disconnected(5_000);
    assertHas(await two.next('user-left'), { socketId: id, reason: 'removed' });
  });

  test('lock-room and unlock: participants on other nodes are told and joins on every node obey', async () => {
    const { room, host, hostUser, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    assertOk(await host.ack('lock-room', { roomId: room.id, locked: true }));
    for (const peer of [two, three]) assertHas(await peer.next('room-locked'), { locked: true }, `${peer.label} room-locked`);
    await host.none('room-locked');
    for (const node of [n1, n2, n3]) {
      assert.equal((await lookupCode(node, room.code)).body.isLocked, true, `isLocked on ${node.nodeId}`);
      const late = await guest(node, `Late on ${node.nodeId}`);
      await assertJoinFails(late, room.code, 'Room is locked');
    }
    // the host can always rejoin, from any node
    const hostAgain = await member(n3, hostUser);
    const { joined } = await hostAgain.join(room.code);
    assert.equal(joined.isHost, true);
    await host.next('force-disconnect');

    assertOk(await hostAgain.ack('lock-room', { roomId: room.id, locked: false }));
    for (const peer of [two, three]) {
      assertHas(await peer.next('room-locked', { where: (d) => d.locked === false }), { locked: false });
    }
    const welcome = await guest(n2, 'Welcome');
    await seat(welcome, room.code, [two, three, hostAgain]);
  });

  test('end-room: everyone on every node receives force-disconnect and later joins fail', async () => {
    const { room, host, guests } = await spreadMeeting(n1, { guests: [['Two', n2], ['Three', n3], ['One', n1]] });
    assertOk(await host.ack('end-room', { roomId: room.id }));
    for (const peer of guests) {
      assertHas(await peer.next('force-disconnect'), { reason: 'Meeting ended by host' }, `${peer.label} force-disconnect`);
      await peer.disconnected(5_000);
    }
    for (const node of [n1, n2, n3]) {
      const response = await lookupCode(node, room.code);
      assertHas(response.body, { isActive: false, participantCount: 0 }, `lookup on ${node.nodeId}`);
      const late = await guest(node, 'Too Late');
      await assertJoinFails(late, room.code, 'Room is no longer active');
    }
  });

  test('a non-host on another node is refused with FORBIDDEN', async () => {
    const { room, host, guests } = await threeNodeMeeting();
    const [two, three] = guests;
    assertRefused(await two.ack('mute-participant', { roomId: room.id, participantId: three.id }), 'FORBIDDEN');
    assertRefused(await three.ack('remove-participant', { roomId: room.id, participantId: host.id }), 'FORBIDDEN');
    assertRefused(await two.ack('lock-room', { roomId: room.id, locked: true }), 'FORBIDDEN');
    assertRefused(await three.ack('end-room', { roomId: room.id }), 'FORBIDDEN');
    await three.none('force-mute');
    await host.none('force-disconnect', { within: 0 });
    await three.none('room-locked', { within: 0 });
  });
});

describe('waiting room with host and joiners on different nodes', () => {
  const WAITING = { waitingRoom: true };

  async function knock(node, room, host, name) {
    const peer = await guest(node, name);
    assertHas(await peer.ack('join-room', { roomCode: room.code }), { success: true, waiting: true }, `${name} waits`);
    assertHas(await peer.next('waiting-for-host'), { roomId: room.id });
    if (host) {
      const { participant } = await host.next('participant-waiting', { where: (d) => d.participant?.socketId === peer.id });
      assertParticipant(participant, { socketId: peer.id, displayName: name, isHost: false });
    }
    return peer;
  }

  test('admit-participant on node 1 seats a joiner waiting on node 2 and everyone sees it', async () => {
    const { room, host, guests } = await spreadMeeting(n1, { settings: WAITING });
    assert.equal(guests.length, 0);
    const knocker = await knock(n2, room, host, 'Knocker');
    await knocker.none('room-joined', { within: 200 });
    assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: knocker.id }));
    const joined = await knocker.next('room-joined');
    assert.deepEqual(joined.participants.map((p) => p.socketId), [host.id]);
    assertParticipant((await host.next('user-joined')).participant, { socketId: knocker.id });

    // a second joiner on node 3, admitted: both seated participants see it
    const second = await knock(n3, room, host, 'Second');
    await knocker.none('participant-waiting');
    assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: second.id }));
    await second.next('room-joined');
    for (const peer of [host, knocker]) assertParticipant((await peer.next('user-joined')).participant, { socketId: second.id });
  });

  test('deny-participant on node 1 gives a joiner on node 3 join-error Denied by host', async () => {
    const { room, host, hostUser } = await spreadMeeting(n1, { settings: WAITING });
    const knocker = await knock(n3, room, host, 'Unwelcome');
    assertOk(await host.ack('deny-participant', { roomId: room.id, participantId: knocker.id }));
    assertHas(await knocker.next('join-error'), { code: 'JOIN_FAILED', message: 'Denied by host' });
    await host.none('user-joined');
    assert.deepEqual((await roomState(n2, room, hostUser)).participants.map((p) => p.socketId), [host.id]);
  });

  test('a joiner waiting on node 2 that disconnects or leaves is cancelled for the host on node 1', async () => {
    const { room, host } = await spreadMeeting(n1, { settings: WAITING });
    const leaver = await knock(n2, room, host, 'Leaver');
    assertOk(await leaver.ack('leave-room', { roomId: room.id }));
    assertHas(await host.next('participant-waiting-cancelled'), { socketId: leaver.id });

    const dropper = await knock(n3, room, host, 'Dropper');
    const id = dropper.id;
    dropper.close();
    assertHas(await host.next('participant-waiting-cancelled', { timeout: 5_000 }), { socketId: id });
    assertRefused(await host.ack('admit-participant', { roomId: room.id, participantId: id }), 'TARGET_NOT_FOUND');
  });

  test('a host who joins later on node 3 finds the joiners waiting on nodes 1 and 2', async () => {
    const hostUser = newUser('Late Host');
    const room = await createRoom(n2, hostUser, WAITING);
    const first = await knock(n1, room, null, 'First');
    const second = await knock(n2, room, null, 'Second');
    const host = await member(n3, hostUser);
    const { joined } = await host.join(room.code);
    assert.equal(joined.isHost, true);
    assert.deepEqual(joined.waiting?.map((p) => p.socketId), [first.id, second.id], 'the queue in joining order');
    assertOk(await host.ack('admit-participant', { roomId: room.id, participantId: second.id }));
    await second.next('room-joined');
  });
});

describe('REST on one node, sockets on the others', () => {
  test('PATCH settings on node 1 reaches everyone on every node as room-settings-updated', async () => {
    const { room, hostUser, everyone } = await threeNodeMeeting();
    const response = await request(n1, 'PATCH', `/api/rooms/${room.id}/settings`, {
      token: hostUser.token,
      body: { allowChat: false, maxParticipants: 10 },
    });
    assert.equal(response.status, 200, response.text);
    const expected = { ...DEFAULT_SETTINGS, allowChat: false, maxParticipants: 10 };
    for (const peer of everyone) {
      assert.deepEqual(await peer.next('room-settings-updated'), { settings: expected }, `${peer.label} room-settings-updated`);
    }
    assertRefused(await everyone[2].ack('chat-message', { roomId: room.id, content: 'not allowed now' }), 'NOT_ALLOWED');
  });

  test('GET on any node counts and lists the participants of every node', async () => {
    const { room, hostUser, everyone } = await spreadMeeting(n1, { guests: [['Two', n2], ['Three', n3], ['Four', n3]] });
    for (const node of [n1, n2, n3]) {
      assert.equal(await participantCount(node, room.code), 4, `participantCount on ${node.nodeId}`);
      const state = await roomState(node, room, hostUser);
      assert.deepEqual(state.participants.map((p) => p.socketId), everyone.map((p) => p.id), `participants on ${node.nodeId}`);
    }
  });

  test('DELETE on node 2 ends the meeting on every node', async () => {
    const { room, hostUser, everyone } = await threeNodeMeeting();
    const response = await request(n2, 'DELETE', `/api/rooms/${room.id}`, { token: hostUser.token });
    assert.equal(response.status, 204, response.text);
    for (const peer of everyone) {
      assertHas(await peer.next('force-disconnect'), { reason: 'Meeting ended by host' }, `${peer.label} force-disconnect`);
      await peer.disconnected(5_000);
    }
    for (const node of [n1, n2, n3]) {
      assertHas((await lookupCode(node, room.code)).body, { isActive: false }, `lookup on ${node.nodeId}`);
    }
    const late = await guest(n3, 'Late');
    await assertJoinFails(late, room.code, 'Room is no longer active');
  });
});

describe('one user, one seat across nodes', () => {
  test('joining from node 3 replaces the seat held from node 1', async () => {
    const user = newUser('Roamer');
    const { room, host, hostUser, guests } = await spreadMeeting(n2, { guests: [{ name: 'Roamer', node: n1, user }, ['Watcher', n3]] });
    const [first, watcher] = guests;
    const firstId = first.id;
    const second = await member(n3, user);
    const { joined } = await second.join(room.code);
    assertHas(await first.next('force-disconnect'), { reason: 'Joined from another connection' });
    await first.disconnected(5_000);
    for (const peer of [host, watcher]) {
      assertHas(await peer.next('user-left'), { socketId: firstId, userId: user.sub, reason: 'replaced' }, `${peer.label} user-left`);
      const seen = await peer.next('user-joined');
      assertParticipant(seen.participant, { socketId: second.id, userId: user.sub });
    }
    assert.deepEqual(joined.participants.map((p) => p.socketId), [host.id, watcher.id], 'the old seat is gone');
    const state = await roomState(n1, room, hostUser);
    assert.equal(state.participants.filter((p) => p.userId === user.sub).length, 1, 'one seat for the user');
    await eventually('every node counts the user once', async () => {
      for (const node of [n1, n2, n3]) assert.equal(await participantCount(node, room.code), 3);
    });
  });
});
