// Bad input (PROTOCOL §5 "a failure never disconnects the client ... and never changes any
// state", §2 "no event is served to a socket whose handshake was not accepted", §6).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertErrorEvent, assertOk, assertRefused } from '../lib/assertions.js';
import { meeting, seat } from '../lib/fixtures.js';
import { closeAllPeers, delay, guest } from '../lib/peer.js';
import { openRaw } from '../lib/raw.js';
import { roomState } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node;
const raws = [];

before(async () => {
  node = await startNode({ NODE_ID: 'conf-bad-input' });
});
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  await closeAllPeers();
});
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

async function raw() {
  const socket = await openRaw(node);
  raws.push(socket);
  return socket;
}

const CLIENT_EVENTS = [
  'join-room',
  'leave-room',
  'offer',
  'answer',
  'ice-candidate',
  'toggle-audio',
  'toggle-video',
  'start-screen-share',
  'stop-screen-share',
  'toggle-hand-raise',
  'chat-message',
  'typing-start',
  'typing-stop',
  'mute-participant',
  'remove-participant',
  'lock-room',
  'end-room',
  'admit-participant',
  'deny-participant',
];

/** Everything about a room a bad input could change, as seen by its host. */
async function snapshot(m) {
  const state = await roomState(node, m.room, m.hostUser);
  const probe = await guest(node, 'Probe');
  const { joined } = await probe.join(m.room.code);
  const snap = { state, messages: joined.messages, settings: joined.settings };
  assertOk(await probe.ack('leave-room', { roomId: m.room.id }));
  for (const peer of m.everyone) {
    await peer.next('user-joined', { where: (d) => d.participant.socketId === probe.id });
    await peer.next('user-left', { where: (d) => d.socketId === probe.id });
  }
  probe.close();
  return snap;
}

describe('ill-formed events', () => {
  test('an unknown event is refused with INVALID_PAYLOAD, as ack or as error event', async () => {
    const { host } = await meeting(node);
    assertRefused(await host.ack('no-such-event', { roomId: 'x' }), 'INVALID_PAYLOAD');
    assertRefused(await host.ack('join_room', { roomCode: 'abc-def-ghi' }), 'INVALID_PAYLOAD');
    host.emit('definitely-unknown', { a: 1 });
    assertErrorEvent(await host.next('error'), 'INVALID_PAYLOAD');
    assert.ok(host.connected);
  });

  for (const [index, group] of [CLIENT_EVENTS.slice(0, 7), CLIENT_EVENTS.slice(7, 13), CLIENT_EVENTS.slice(13)].entries()) {
    test(`non-object payloads are refused with INVALID_PAYLOAD (${group.join(', ')})`, async () => {
      const m = await meeting(node, { guests: [`Witness ${index}`] });
      for (const event of group) {
        for (const payload of ['a string', 42, true, null, ['an', 'array']]) {
          assertRefused(await m.host.ack(event, payload), 'INVALID_PAYLOAD');
        }
        assertRefused(await m.host.ack(event), 'INVALID_PAYLOAD');
      }
      assert.ok(m.host.connected);
      await m.guests[0].none('force-disconnect', { within: 0 });
      assert.deepEqual(m.guests[0].events(), [], 'the witness received nothing');
    });
  }

  test('a non-object payload without an ack arrives as an error event, at most one a second', async () => {
    const { host } = await meeting(node);
    host.emit('chat-message', 'hello');
    const first = performance.now();
    assertErrorEvent(await host.next('error'), 'INVALID_PAYLOAD');
    host.emit('leave-room');
    await host.none('error', { within: 300 });
    await delay(Math.max(0, 1_050 - (performance.now() - first)));
    host.emit('leave-room');
    assertErrorEvent(await host.next('error'), 'INVALID_PAYLOAD');
  });
});

describe('raw protocol abuse', () => {
  test('a malformed JSON event is answered with INVALID_PAYLOAD and the connection stays up', async () => {
    const m = await meeting(node, { guests: ['Witness'] });
    const socket = await raw();
    const connected = await socket.connectNamespace({ displayName: 'Raw Client' });
    assert.ok(connected.ok, `CONNECT refused: ${connected.packet}`);
    const joined = await socket.emit('join-room', { roomCode: m.room.code }, 1);
    assert.equal(joined.success, true, JSON.stringify(joined));
    for (const peer of m.everyone) await peer.next('user-joined');
    const before = await roomState(node, m.room, m.hostUser);

    socket.send('42["chat-message",{bad');
    assertErrorEvent(await socket.nextEvent('error'), 'INVALID_PAYLOAD');
    socket.send('421["chat-message",{"roomId":');
    socket.send('42{"not":"an array"}');
    socket.send('42["chat-message"');
    socket.send('4');
    socket.send('49["chat-message",{}]');
    await delay(300);
    assert.equal(socket.isClosed, false, 'the connection stays up');

    const ack = await socket.emit('chat-message', { roomId: m.room.id, content: 'after the garbage' }, 2);
    assert.equal(ack.success, true, JSON.stringify(ack));
    for (const peer of m.everyone) {
      const message = await peer.next('chat-message');
      assert.equal(message.content, 'after the garbage', 'nothing of the malformed packets was delivered first');
    }
    const afterState = await roomState(node, m.room, m.hostUser);
    assert.deepEqual(afterState, before, 'malformed packets changed nothing');
  });

  test('events sent before a CONNECT are not served', async () => {
    const m = await meeting(node);
    const socket = await raw();
    socket.send(`42["join-room",{"roomCode":"${m.room.code}"}]`);
    socket.send(`427["join-room",{"roomCode":"${m.room.code}"}]`);
    socket.send(`42["chat-message",{"roomId":"${m.room.id}","content":"sneaky"}]`);
    await delay(500);
    assert.deepEqual(socket.socketIoMessages(), [], 'no answer of any kind');
    await m.host.none('user-joined', { within: 0 });
    await m.host.none('chat-message', { within: 0 });
    assert.equal((await roomState(node, m.room, m.hostUser)).participants.length, 1);
  });

  test('a refused CONNECT carries the code and later events are not served', async () => {
    const m = await meeting(node);
    const socket = await raw();
    const answer = await socket.connectNamespace({});
    assert.equal(answer.ok, false);
    assert.equal(answer.data.message, 'DISPLAY_NAME_REQUIRED');
    assert.equal(answer.data.data?.code, 'DISPLAY_NAME_REQUIRED');
    if (!socket.isClosed) {
      socket.send(`421["join-room",{"roomCode":"${m.room.code}"}]`);
      socket.send(`42["chat-message",{"roomId":"${m.room.id}","content":"sneaky"}]`);
      await delay(500);
      assert.deepEqual(socket.socketIoMessages(), []);
    }
    await m.host.none('user-joined', { within: 0 });
    await m.host.none('chat-message', { within: 0 });
  });

  test('a CONNECT to an unknown namespace serves nothing', async () => {
    const m = await meeting(node);
    const socket = await raw();
    socket.send('40/admin,{"displayName":"Admin"}');
    socket.send(`42/admin,1["join-room",{"roomCode":"${m.room.code}"}]`);
    await delay(500);
    const served = socket.socketIoMessages().filter((msg) => msg.startsWith('40') || msg.startsWith('43'));
    assert.deepEqual(served, []);
    await m.host.none('user-joined', { within: 0 });
  });
});

test('an event naming another namespace is not served on a socket of /', async () => {
  const m = await meeting(node);
  const socket = await raw();
  const answer = await socket.connectNamespace({ displayName: 'Elsewhere' });
  assert.equal(answer.ok, true);
  socket.send(`42/admin,1["join-room",{"roomCode":"${m.room.code}"}]`);
  await delay(500);
  assert.deepEqual(socket.socketIoMessages().filter((msg) => msg.startsWith('43')), []);
  await m.host.none('user-joined', { within: 0 });
});

test('a refused binary event is acknowledged with its own ack id, not its attachment count', async () => {
  const socket = await raw();
  const answer = await socket.connectNamespace({ displayName: 'Binary' });
  assert.equal(answer.ok, true);
  socket.send('451-7["offer",{"_placeholder":true,"num":0}]');
  await delay(500);
  const acks = socket.socketIoMessages().filter((msg) => msg.startsWith('43'));
  assert.equal(acks.length, 1, String(acks));
  assert.ok(acks[0].startsWith('437['), acks[0]);
  assert.equal(JSON.parse(acks[0].slice(3))[0].code, 'INVALID_PAYLOAD');
});

describe('a barrage of bad input', () => {
  test('changes nothing and another client in the room stays undisturbed', async () => {
    const m = await meeting(node, { guests: ['Calm'] });
    const other = await meeting(node, { guests: ['Elsewhere'] });
    const vandal = await guest(node, 'Vandal');
    await seat(vandal, m.room.code, m.everyone);
    const before = await snapshot({ ...m, everyone: [m.host, m.guests[0], vandal] });
    const [calm] = m.guests;

    const IP = 'INVALID_PAYLOAD';
    const bad = [
      ['no-such-event', {}, IP],
      ['chat-message', 'text', IP],
      ['chat-message', { roomId: m.room.id }, IP],
      ['chat-message', { roomId: m.room.id, content: ' ' }, IP],
      ['chat-message', { roomId: m.room.id, content: 'x'.repeat(2001) }, IP],
      ['chat-message', { roomId: other.room.id, content: 'cross-room' }, 'NOT_IN_ROOM'],
      ['toggle-audio', { roomId: m.room.id, enabled: 'maybe' }, IP],
      ['toggle-video', { roomId: other.room.id, enabled: false }, 'NOT_IN_ROOM'],
      ['toggle-hand-raise', { roomId: m.room.id }, IP],
      ['start-screen-share', { roomId: 5 }, IP],
      ['offer', { targetId: other.guests[0].id, sdp: { type: 'offer', sdp: 'v=0' } }, 'TARGET_NOT_FOUND'],
      ['answer', { targetId: calm.id }, IP],
      ['ice-candidate', { targetId: 'nobody', candidate: { candidate: '' } }, 'TARGET_NOT_FOUND'],
      ['ice-candidate', { targetId: calm.id, candidate: { candidate: 'c'.repeat(100 * 1024) } }, IP],
      ['mute-participant', { roomId: m.room.id, participantId: calm.id }, 'FORBIDDEN'],
      ['remove-participant', { roomId: m.room.id, participantId: m.host.id }, 'FORBIDDEN'],
      ['lock-room', { roomId: m.room.id, locked: true }, 'FORBIDDEN'],
      ['end-room', { roomId: m.room.id }, 'FORBIDDEN'],
      // calm is not waiting: whichever check comes first refuses it
      ['admit-participant', { roomId: m.room.id, participantId: calm.id }, ['FORBIDDEN', 'TARGET_NOT_FOUND']],
      ['deny-participant', { roomId: m.room.id, participantId: calm.id }, ['FORBIDDEN', 'TARGET_NOT_FOUND']],
      ['leave-room', { roomId: other.room.id }, 'NOT_IN_ROOM'],
      ['join-room', { roomCode: 42 }, IP],
      ['join-room', { roomCode: m.room.code, displayName: 'y'.repeat(51) }, IP],
      ['typing-start', { roomId: other.room.id }, 'NOT_IN_ROOM'],
    ];
    for (const [event, payload, expected] of bad) {
      const ack = await vandal.ack(event, payload);
      const what = `${event} ${JSON.stringify(payload).slice(0, 80)}`;
      assert.equal(ack?.success, false, `${what} must be refused: ${JSON.stringify(ack)}`);
      assert.ok([expected].flat().includes(ack.code), `${what}: expected ${expected}, got ${JSON.stringify(ack)}`);
    }
    // without acks: one error event for the five refusals (at most one a second, PROTOCOL §7)
    for (const [event, payload] of bad.slice(0, 5)) vandal.emit(event, payload);
    assertErrorEvent(await vandal.next('error'), IP);
    await vandal.none('error', { within: 300 });
    assert.ok(vandal.connected, 'the vandal itself stays connected');

    // nobody else noticed anything
    await delay(300);
    for (const peer of [m.host, calm, ...other.everyone]) {
      assert.deepEqual(peer.events(), [], `${peer.label} must not notice the barrage`);
    }
    assert.ok(calm.connected && m.host.connected);
    const afterSnap = await snapshot({ ...m, everyone: [m.host, calm, vandal] });
    assert.deepEqual(afterSnap, before, 'the room is unchanged');

    assertOk(await calm.ack('chat-message', { roomId: m.room.id, content: 'all quiet' }));
    assert.equal((await m.host.next('chat-message')).content, 'all quiet');
    assertOk(await m.host.ack('chat-message', { roomId: m.room.id, content: 'indeed' }));
    assert.equal((await calm.next('chat-message', { where: (d) => d.content === 'indeed' })).content, 'indeed');
  });
});
