// PROTOCOL §5 Chat: messages, history and typing indicators.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertChatMessage, assertErrorEvent, assertHas, assertOk, assertRefused } from '../lib/assertions.js';
import { meeting, seat } from '../lib/fixtures.js';
import { newUser } from '../lib/jwt.js';
import { closeAllPeers, guest, member } from '../lib/peer.js';
import { request } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node;

before(async () => {
  node = await startNode({ NODE_ID: 'conf-chat' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

describe('chat messages', () => {
  test('everyone in the room including the sender receives the ChatMessage and the ack carries it', async () => {
    const user = newUser('Writer');
    const { room, host, guests } = await meeting(node, { guests: ['Reader'] });
    const writer = await member(node, user);
    await seat(writer, room.code, [host, guests[0]]);
    const ack = await writer.ack('chat-message', { roomId: room.id, content: 'Hello, room!' });
    assertOk(ack);
    assertChatMessage(ack.message, {
      roomId: room.id,
      senderId: writer.id,
      senderName: 'Writer',
      userId: user.sub,
      content: 'Hello, room!',
      type: 'TEXT',
    });
    for (const peer of [writer, host, guests[0]]) {
      assert.deepEqual(await peer.next('chat-message'), ack.message, `${peer.label} receives the same ChatMessage`);
    }
  });

  test('a guest message carries no user id', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Anon'] });
    const ack = await guests[0].ack('chat-message', { roomId: room.id, content: 'hi' });
    assertChatMessage(ack.message, { senderName: 'Anon', userId: undefined });
    assert.deepEqual(await host.next('chat-message'), ack.message);
  });

  test('message ids are unique', async () => {
    const { room, host } = await meeting(node);
    const ids = new Set();
    for (let i = 0; i < 5; i++) {
      ids.add((await host.ack('chat-message', { roomId: room.id, content: `m${i}` })).message.id);
    }
    assert.equal(ids.size, 5);
  });

  test('content is trimmed', async () => {
    const { room, guests } = await meeting(node, { guests: ['Spacey'] });
    const ack = await guests[0].ack('chat-message', { roomId: room.id, content: '  \n padded text \t ' });
    assert.equal(ack.message.content, 'padded text');
  });

  test('content of 2000 characters is accepted and 2001 is refused with INVALID_PAYLOAD', async () => {
    const { room, host } = await meeting(node, { guests: ['Reader'] });
    const long = 'x'.repeat(2000);
    const ok = await host.ack('chat-message', { roomId: room.id, content: `  ${long}  ` });
    assertOk(ok);
    assert.equal(ok.message.content, long);
    await host.next('chat-message');
    assertRefused(await host.ack('chat-message', { roomId: room.id, content: 'y'.repeat(2001) }), 'INVALID_PAYLOAD');
    await host.none('chat-message');
  });

  test('empty, blank or non-string content is refused with INVALID_PAYLOAD and not delivered', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Reader'] });
    for (const content of ['', '   \n\t', 42, null, ['a'], { text: 'a' }]) {
      assertRefused(await host.ack('chat-message', { roomId: room.id, content }), 'INVALID_PAYLOAD');
    }
    assertRefused(await host.ack('chat-message', { roomId: room.id }), 'INVALID_PAYLOAD');
    await guests[0].none('chat-message');
    await host.none('chat-message', { within: 0 });
  });

  test('allowChat false refuses participants with NOT_ALLOWED and not the host', async () => {
    const { room, host, guests } = await meeting(node, { settings: { allowChat: false }, guests: ['Muzzled'] });
    assertRefused(await guests[0].ack('chat-message', { roomId: room.id, content: 'let me speak' }), 'NOT_ALLOWED');
    await host.none('chat-message');
    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'announcement' }));
    assert.equal((await guests[0].next('chat-message')).content, 'announcement');
  });

  test('allowChat switched off over REST binds at once and switched on again allows chat', async () => {
    const { room, hostUser, guests } = await meeting(node, { guests: ['Chatty'] });
    const patch = (allowChat) =>
      request(node, 'PATCH', `/api/rooms/${room.id}/settings`, { token: hostUser.token, body: { allowChat } });
    assert.equal((await patch(false)).status, 200);
    await guests[0].next('room-settings-updated');
    assertRefused(await guests[0].ack('chat-message', { roomId: room.id, content: 'x' }), 'NOT_ALLOWED');
    assert.equal((await patch(true)).status, 200);
    await guests[0].next('room-settings-updated');
    assertOk(await guests[0].ack('chat-message', { roomId: room.id, content: 'x' }));
  });

  test('chat for a room the sender does not sit in is refused with NOT_IN_ROOM', async () => {
    const a = await meeting(node, { guests: ['Here'] });
    const b = await meeting(node, { guests: ['There'] });
    assertRefused(await a.guests[0].ack('chat-message', { roomId: b.room.id, content: 'psst' }), 'NOT_IN_ROOM');
    await b.guests[0].none('chat-message');
    const stranger = await guest(node, 'Stranger');
    assertRefused(await stranger.ack('chat-message', { roomId: a.room.id, content: 'psst' }), 'NOT_IN_ROOM');
    await a.host.none('chat-message');
  });

  test('a chat refusal without an ack arrives as an error event', async () => {
    const { room, guests } = await meeting(node, { settings: { allowChat: false }, guests: ['Muzzled'] });
    guests[0].emit('chat-message', { roomId: room.id, content: 'hello?' });
    assertErrorEvent(await guests[0].next('error'), 'NOT_ALLOWED');
    await guests[0].none('chat-message', { within: 0 });
  });
});

describe('chat history', () => {
  test('room-joined carries the last 50 messages oldest first', async () => {
    // 55 messages from six writers (each within the chat burst of 10), sent one after another
    const { room, host, guests } = await meeting(node, { guests: ['W1', 'W2', 'W3', 'W4', 'W5'] });
    const writers = [host, ...guests];
    const sent = [];
    for (let i = 0; i < 55; i++) {
      const ack = await writers[i % writers.length].ack('chat-message', { roomId: room.id, content: `message ${i}` });
      assertOk(ack, `message ${i}`);
      sent.push(ack.message);
    }
    const late = await guest(node, 'Late Reader');
    const { joined } = await late.join(room.code);
    assert.equal(joined.messages.length, 50);
    assert.deepEqual(joined.messages.map((m) => m.content), sent.slice(5).map((m) => m.content));
    assert.deepEqual(joined.messages, sent.slice(5), 'history holds the very ChatMessages that were sent');
  });

  test('refused messages never enter the history', async () => {
    const { room, guests } = await meeting(node, { guests: ['Writer'] });
    assertOk(await guests[0].ack('chat-message', { roomId: room.id, content: 'kept' }));
    assertRefused(await guests[0].ack('chat-message', { roomId: room.id, content: 'z'.repeat(2001) }), 'INVALID_PAYLOAD');
    assertRefused(await guests[0].ack('chat-message', { roomId: room.id, content: '   ' }), 'INVALID_PAYLOAD');
    const late = await guest(node, 'Late');
    const { joined } = await late.join(room.code);
    assert.deepEqual(joined.messages.map((m) => m.content), ['kept']);
  });

  test('history belongs to its room', async () => {
    const a = await meeting(node);
    const b = await meeting(node);
    assertOk(await a.host.ack('chat-message', { roomId: a.room.id, content: 'only in a' }));
    const late = await guest(node, 'Late');
    const { joined } = await late.join(b.room.code);
    assert.deepEqual(joined.messages, []);
  });
});

describe('typing', () => {
  test('typing-start and typing-stop reach the others and not the typist', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Typist', 'Watcher'] });
    const [typist, watcher] = guests;
    assertOk(await typist.ack('typing-start', { roomId: room.id }));
    for (const peer of [host, watcher]) {
      assertHas(await peer.next('user-typing'), { socketId: typist.id, displayName: 'Typist', isTyping: true });
    }
    await typist.none('user-typing');
    assertOk(await typist.ack('typing-stop', { roomId: room.id }));
    for (const peer of [host, watcher]) {
      assertHas(await peer.next('user-typing'), { socketId: typist.id, displayName: 'Typist', isTyping: false });
    }
    await typist.none('user-typing', { within: 0 });
  });

  test('typing lapses after about 3 seconds without typing-stop', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Idle Typist'] });
    const [typist] = guests;
    assertOk(await typist.ack('typing-start', { roomId: room.id }));
    assertHas(await host.next('user-typing'), { socketId: typist.id, isTyping: true });
    const started = performance.now();
    const lapse = await host.next('user-typing', { timeout: 5_000 });
    const elapsed = performance.now() - started;
    assertHas(lapse, { socketId: typist.id, displayName: 'Idle Typist', isTyping: false });
    assert.ok(elapsed >= 2_500 && elapsed <= 4_500, `lapse after ${Math.round(elapsed)} ms, expected 2500–4500`);
  });

  test('typing events for a room the sender does not sit in are refused with NOT_IN_ROOM', async () => {
    const a = await meeting(node, { guests: ['Here'] });
    const b = await meeting(node);
    assertRefused(await a.guests[0].ack('typing-start', { roomId: b.room.id }), 'NOT_IN_ROOM');
    assertRefused(await a.guests[0].ack('typing-stop', { roomId: b.room.id }), 'NOT_IN_ROOM');
    assertRefused(await a.guests[0].ack('typing-start', {}), 'INVALID_PAYLOAD');
    await b.host.none('user-typing');
    await a.host.none('user-typing', { within: 0 });
  });
});
