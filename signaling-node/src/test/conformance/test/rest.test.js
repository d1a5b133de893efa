// PROTOCOL §4 Rooms: the REST control plane on the public port.
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  DEFAULT_SETTINGS,
  GENERATED_CODE,
  UUID,
  assertHas,
  assertIsoTimestamp,
  assertParticipant,
  assertRefused,
} from '../lib/assertions.js';
import { meeting } from '../lib/fixtures.js';
import { claims, newUser, signHs256, unsignedToken } from '../lib/jwt.js';
import { closeAllPeers, guest } from '../lib/peer.js';
import { assertRestError, createRoom, lookupCode, request, roomState } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node;

before(async () => {
  node = await startNode({ NODE_ID: 'conf-rest' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

const forgedToken = () => signHs256(claims({ sub: `user-${randomUUID()}`, name: 'F' }), 'another-secret-of-at-least-32-bytes!!');

describe('POST /api/rooms', () => {
  test('creates a room with defaults and the caller as host', async () => {
    const user = newUser('Creator');
    const response = await request(node, 'POST', '/api/rooms', { token: user.token, body: {} });
    assert.equal(response.status, 201, response.text);
    const room = response.body;
    assert.match(room.id, UUID);
    assert.match(room.code, GENERATED_CODE);
    assert.equal(typeof room.name, 'string');
    assert.equal(room.hostId, user.sub);
    assert.equal(room.isActive, true);
    assert.equal(room.isLocked, false);
    assertIsoTimestamp(room.createdAt, 'createdAt');
    assert.deepEqual(room.settings, DEFAULT_SETTINGS);
  });

  test('creates a room without a body at all', async () => {
    const user = newUser('Creator');
    const response = await request(node, 'POST', '/api/rooms', { token: user.token });
    assert.equal(response.status, 201, response.text);
    assert.deepEqual(response.body.settings, DEFAULT_SETTINGS);
  });

  test('takes every setting from the body', async () => {
    const user = newUser('Creator');
    const body = {
      name: 'Quarterly review',
      maxParticipants: 7,
      waitingRoom: true,
      allowChat: false,
      allowScreenShare: false,
      allowParticipantAudio: false,
      allowParticipantVideo: false,
    };
    const room = await createRoom(node, user, body);
    assert.equal(room.name, 'Quarterly review');
    assert.deepEqual(room.settings, {
      allowScreenShare: false,
      allowChat: false,
      allowParticipantAudio: false,
      allowParticipantVideo: false,
      waitingRoom: true,
      maxParticipants: 7,
    });
  });

  test('accepts the bounds of name and maxParticipants', async () => {
    const user = newUser('Creator');
    assert.equal((await createRoom(node, user, { name: 'n'.repeat(100), maxParticipants: 2 })).settings.maxParticipants, 2);
    assert.equal((await createRoom(node, user, { name: 'n', maxParticipants: 500 })).settings.maxParticipants, 500);
  });

  test('generates a distinct code and id for every room', async () => {
    const user = newUser('Creator');
    const rooms = [];
    for (let i = 0; i < 10; i++) rooms.push(await createRoom(node, user));
    assert.equal(new Set(rooms.map((r) => r.code)).size, 10);
    assert.equal(new Set(rooms.map((r) => r.id)).size, 10);
    for (const room of rooms) assert.match(room.code, GENERATED_CODE);
  });

  test('refuses a caller without a valid token with 401 AUTH_FAILED', async () => {
    assertRestError(await request(node, 'POST', '/api/rooms', { body: {} }), 401, 'AUTH_FAILED');
    assertRestError(await request(node, 'POST', '/api/rooms', { body: {}, token: forgedToken() }), 401, 'AUTH_FAILED');
    assertRestError(await request(node, 'POST', '/api/rooms', { body: {}, token: unsignedToken(claims({ sub: 'x' })) }), 401, 'AUTH_FAILED');
    assertRestError(
      await request(node, 'POST', '/api/rooms', { body: {}, headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
      401,
      'AUTH_FAILED',
    );
    const expired = signHs256(claims({ sub: 'x', exp: Math.floor(Date.now() / 1000) - 60 }));
    assertRestError(await request(node, 'POST', '/api/rooms', { body: {}, token: expired }), 401, 'AUTH_FAILED');
  });

  test('refuses invalid JSON and invalid values with 400 INVALID_PAYLOAD', async () => {
    const user = newUser('Creator');
    assertRestError(await request(node, 'POST', '/api/rooms', { token: user.token, raw: '{"name": "x"' }), 400, 'INVALID_PAYLOAD');
    assertRestError(await request(node, 'POST', '/api/rooms', { token: user.token, raw: '[1,2]' }), 400, 'INVALID_PAYLOAD');
    const invalid = [
      { name: '' },
      { name: 'n'.repeat(101) },
      { name: 42 },
      { maxParticipants: 1 },
      { maxParticipants: 501 },
      { maxParticipants: 'ten' },
      { maxParticipants: 2.5 },
      { waitingRoom: 'yes' },
      { allowChat: 1 },
      { allowScreenShare: 'true' },
      { allowParticipantAudio: 'false' },
      { allowParticipantVideo: [] },
    ];
    for (const body of invalid) {
      assertRestError(await request(node, 'POST', '/api/rooms', { token: user.token, body }), 400, 'INVALID_PAYLOAD', JSON.stringify(body).slice(0, 60));
    }
  });

  test('refuses a 1 MiB body with 413', async () => {
    // 1 MiB: far above the 64 KiB default packet limit, below the 2 MiB frame cap at which a
    // node may simply close the connection (PROTOCOL §7). node:http rather than fetch: a
    // server may answer 413 and close before the whole body is sent, and fetch then reports
    // only the broken upload, not the answer.
    const user = newUser('Creator');
    const body = Buffer.from(JSON.stringify({ name: 'x', padding: 'p'.repeat(1024 * 1024) }));
    const status = await new Promise((resolve) => {
      const req = http.request(`${node.url}/api/rooms`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'content-length': body.length },
      });
      const timer = setTimeout(() => {
        req.destroy();
        resolve('no answer within 10 s');
      }, 10_000);
      req.on('response', (res) => {
        clearTimeout(timer);
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', (error) => {
        // an answer may still arrive after the upload broke off; give it a moment
        setTimeout(() => {
          clearTimeout(timer);
          resolve(`connection error without an answer: ${error.code ?? error.message}`);
        }, 500);
      });
      req.end(body);
    });
    assert.equal(status, 413);
  });
});

describe('GET /api/rooms/code/{code}', () => {
  test('answers anyone with the public view of a room', async () => {
    const { room } = await meeting(node, { settings: { name: 'Public View', waitingRoom: true } });
    const response = await lookupCode(node, room.code);
    assert.equal(response.status, 200);
    assertHas(response.body, {
      id: room.id,
      code: room.code,
      name: 'Public View',
      isActive: true,
      isLocked: false,
      participantCount: 1,
      settings: { waitingRoom: true },
    }, 'code lookup');
  });

  test('counts the seated participants', async () => {
    const { room } = await meeting(node, { guests: ['A', 'B'] });
    assert.equal((await lookupCode(node, room.code)).body.participantCount, 3);
  });

  test('names the same room in any spelling of its code', async () => {
    const user = newUser('Creator');
    const room = await createRoom(node, user);
    for (const code of [room.code.toUpperCase(), room.code.replace(/-/g, ''), room.code.replace(/-/g, '').toUpperCase()]) {
      const response = await lookupCode(node, code);
      assert.equal(response.status, 200, `${code}: ${response.status}`);
      assert.equal(response.body.id, room.id);
    }
  });

  test('answers an unknown code with 404 ROOM_NOT_FOUND', async () => {
    assertRestError(await lookupCode(node, 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'), 404, 'ROOM_NOT_FOUND');
  });

  test('answers text that cannot be a code with 400 INVALID_PAYLOAD', async () => {
    for (const code of ['ab', 'abc_def', 'a'.repeat(33), 'abc.def']) {
      assertRestError(await lookupCode(node, code), 400, 'INVALID_PAYLOAD');
    }
  });

  test('answers an ended room with isActive false', async () => {
    const user = newUser('Creator');
    const room = await createRoom(node, user);
    assert.equal((await request(node, 'DELETE', `/api/rooms/${room.id}`, { token: user.token })).status, 204);
    const response = await lookupCode(node, room.code);
    assert.equal(response.status, 200);
    assert.equal(response.body.isActive, false);
  });
});

describe('GET /api/rooms/{id}', () => {
  test('answers the host with the room and its participants', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['Visible'] });
    const state = await roomState(node, room, hostUser);
    assertHas(state, { id: room.id, code: room.code, hostId: hostUser.sub, isActive: true, isLocked: false, settings: DEFAULT_SETTINGS });
    assertIsoTimestamp(state.createdAt);
    assert.equal(state.participants.length, 2);
    assertParticipant(state.participants.find((p) => p.socketId === host.id), { isHost: true, userId: hostUser.sub });
    assertParticipant(state.participants.find((p) => p.socketId === guests[0].id), { isHost: false, displayName: 'Visible', userId: undefined });
  });

  test('refuses a caller without a valid token with 401 AUTH_FAILED', async () => {
    const user = newUser('Creator');
    const room = await createRoom(node, user);
    assertRestError(await request(node, 'GET', `/api/rooms/${room.id}`), 401, 'AUTH_FAILED');
    assertRestError(await request(node, 'GET', `/api/rooms/${room.id}`, { token: forgedToken() }), 401, 'AUTH_FAILED');
  });

  test('refuses an authenticated user who is not the host with 403 FORBIDDEN', async () => {
    const user = newUser('Creator');
    const room = await createRoom(node, user);
    assertRestError(await request(node, 'GET', `/api/rooms/${room.id}`, { token: newUser('Other').token }), 403, 'FORBIDDEN');
  });

  test('answers an unknown id with 404 ROOM_NOT_FOUND', async () => {
    const user = newUser('Creator');
    assertRestError(await request(node, 'GET', `/api/rooms/${randomUUID()}`, { token: user.token }), 404, 'ROOM_NOT_FOUND');
  });
});

describe('PATCH /api/rooms/{id}/settings', () => {
  test('merges the given fields, answers the room and tells everyone in the room', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['Listener'] });
    const response = await request(node, 'PATCH', `/api/rooms/${room.id}/settings`, {
      token: hostUser.token,
      body: { allowChat: false, maxParticipants: 10 },
    });
    assert.equal(response.status, 200, response.text);
    const expected = { ...DEFAULT_SETTINGS, allowChat: false, maxParticipants: 10 };
    assertHas(response.body, { id: room.id, settings: expected }, 'PATCH answer');
    for (const peer of [host, guests[0]]) {
      assert.deepEqual(await peer.next('room-settings-updated'), { settings: expected }, `${peer.label} room-settings-updated`);
    }
    const again = await request(node, 'PATCH', `/api/rooms/${room.id}/settings`, {
      token: hostUser.token,
      body: { waitingRoom: true },
    });
    assert.deepEqual(again.body.settings, { ...expected, waitingRoom: true }, 'earlier changes are kept');
    assert.deepEqual((await guests[0].next('room-settings-updated')).settings, { ...expected, waitingRoom: true });
    const joiner = await guest(node, 'Newcomer');
    const ack = await joiner.ack('join-room', { roomCode: room.code });
    assertHas(ack, { success: true, waiting: true }, 'waitingRoom now holds newcomers');
  });

  test('new settings appear in room-joined and the code lookup', async () => {
    const { room, hostUser } = await meeting(node);
    await request(node, 'PATCH', `/api/rooms/${room.id}/settings`, { token: hostUser.token, body: { allowScreenShare: false } });
    const peer = await guest(node, 'Later');
    const { joined } = await peer.join(room.code);
    assert.equal(joined.settings.allowScreenShare, false);
    assert.equal((await lookupCode(node, room.code)).body.settings.waitingRoom, false);
  });

  test('does not reach other rooms', async () => {
    const a = await meeting(node);
    const b = await meeting(node, { guests: ['Elsewhere'] });
    await request(node, 'PATCH', `/api/rooms/${a.room.id}/settings`, { token: a.hostUser.token, body: { allowChat: false } });
    await a.host.next('room-settings-updated');
    await b.guests[0].none('room-settings-updated');
  });

  test('refuses callers without a valid token, non-hosts and unknown rooms', async () => {
    const { room, guests } = await meeting(node, { guests: ['Listener'] });
    const path = `/api/rooms/${room.id}/settings`;
    assertRestError(await request(node, 'PATCH', path, { body: { allowChat: false } }), 401, 'AUTH_FAILED');
    assertRestError(await request(node, 'PATCH', path, { token: forgedToken(), body: { allowChat: false } }), 401, 'AUTH_FAILED');
    assertRestError(await request(node, 'PATCH', path, { token: newUser('Other').token, body: { allowChat: false } }), 403, 'FORBIDDEN');
    const host = newUser('Host');
    assertRestError(
      await request(node, 'PATCH', `/api/rooms/${randomUUID()}/settings`, { token: host.token, body: { allowChat: false } }),
      404,
      'ROOM_NOT_FOUND',
    );
    await guests[0].none('room-settings-updated');
  });

  test('refuses invalid JSON and invalid values with 400 INVALID_PAYLOAD and changes nothing', async () => {
    const { room, hostUser, guests } = await meeting(node, { guests: ['Listener'] });
    const path = `/api/rooms/${room.id}/settings`;
    assertRestError(await request(node, 'PATCH', path, { token: hostUser.token, raw: '{"allowChat":' }), 400, 'INVALID_PAYLOAD');
    for (const body of [
      { allowChat: 'no' },
      { maxParticipants: 1 },
      { maxParticipants: 501 },
      { waitingRoom: 0 },
      { allowScreenShare: false, allowParticipantVideo: 'off' },
    ]) {
      assertRestError(await request(node, 'PATCH', path, { token: hostUser.token, body }), 400, 'INVALID_PAYLOAD', JSON.stringify(body));
    }
    await guests[0].none('room-settings-updated');
    const state = await roomState(node, room, hostUser);
    assert.deepEqual(state.settings, DEFAULT_SETTINGS, 'a refused PATCH changes nothing, not even its valid fields');
  });
});

describe('DELETE /api/rooms/{id}', () => {
  test('ends the meeting: 204, force-disconnect for everyone, later joins refused', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['One', 'Two'] });
    const response = await request(node, 'DELETE', `/api/rooms/${room.id}`, { token: hostUser.token });
    assert.equal(response.status, 204);
    assert.equal(response.text, '');
    for (const peer of [host, ...guests]) {
      assertHas(await peer.next('force-disconnect'), { reason: 'Meeting ended by host' }, `${peer.label} force-disconnect`);
    }
    for (const peer of [host, ...guests]) await peer.disconnected(5_000);
    const late = await guest(node, 'Late');
    const ack = await late.ack('join-room', { roomCode: room.code });
    assertRefused(ack, 'JOIN_FAILED', 'Room is no longer active');
    assertHas(await late.next('join-error'), { code: 'JOIN_FAILED', message: 'Room is no longer active' });
    const lookup = await lookupCode(node, room.code);
    assert.equal(lookup.body.isActive, false);
    assert.equal(lookup.body.participantCount, 0);
  });

  test('refuses callers without a valid token, non-hosts and unknown rooms', async () => {
    const { room, host } = await meeting(node);
    const path = `/api/rooms/${room.id}`;
    assertRestError(await request(node, 'DELETE', path), 401, 'AUTH_FAILED');
    assertRestError(await request(node, 'DELETE', path, { token: forgedToken() }), 401, 'AUTH_FAILED');
    assertRestError(await request(node, 'DELETE', path, { token: newUser('Other').token }), 403, 'FORBIDDEN');
    assertRestError(await request(node, 'DELETE', `/api/rooms/${randomUUID()}`, { token: newUser('H').token }), 404, 'ROOM_NOT_FOUND');
    await host.none('force-disconnect');
    assert.equal((await lookupCode(node, room.code)).body.isActive, true);
  });
});
