// PROTOCOL §5 Media state: audio, video, screen share and raised hands.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertErrorEvent, assertHas, assertOk, assertParticipant, assertRefused } from '../lib/assertions.js';
import { meeting, seat } from '../lib/fixtures.js';
import { closeAllPeers, guest } from '../lib/peer.js';
import { request, roomState } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node;

before(async () => {
  node = await startNode({ NODE_ID: 'conf-media' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

/** What a newcomer sees of `socketId` in room-joined. */
async function seenByNewcomer(room, present, socketId) {
  const newcomer = await guest(node, 'Newcomer');
  const joined = await seat(newcomer, room.code, present);
  const info = joined.participants.find((p) => p.socketId === socketId);
  assert.ok(info, `newcomer must see ${socketId}`);
  assertParticipant(info);
  return info;
}

describe('audio and video', () => {
  test('toggle-audio is broadcast to the others and stored as isMuted', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['Muter', 'Listener'] });
    const [muter, listener] = guests;
    assertOk(await muter.ack('toggle-audio', { roomId: room.id, enabled: false }));
    assertHas(await host.next('user-toggle-audio'), { socketId: muter.id, enabled: false });
    assertHas(await listener.next('user-toggle-audio'), { socketId: muter.id, enabled: false });
    await muter.none('user-toggle-audio');
    const info = await seenByNewcomer(room, [host, muter, listener], muter.id);
    assert.equal(info.isMuted, true);
    const state = await roomState(node, room, hostUser);
    assert.equal(state.participants.find((p) => p.socketId === muter.id).isMuted, true);

    assertOk(await muter.ack('toggle-audio', { roomId: room.id, enabled: true }));
    assertHas(await host.next('user-toggle-audio'), { socketId: muter.id, enabled: true });
    const after = await roomState(node, room, hostUser);
    assert.equal(after.participants.find((p) => p.socketId === muter.id).isMuted, false);
  });

  test('toggle-video is broadcast to the others and stored as isVideoOff', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Camera', 'Viewer'] });
    const [camera, viewer] = guests;
    assertOk(await camera.ack('toggle-video', { roomId: room.id, enabled: false }));
    assertHas(await host.next('user-toggle-video'), { socketId: camera.id, enabled: false });
    assertHas(await viewer.next('user-toggle-video'), { socketId: camera.id, enabled: false });
    await camera.none('user-toggle-video');
    const info = await seenByNewcomer(room, [host, camera, viewer], camera.id);
    assert.equal(info.isVideoOff, true);
    assertOk(await camera.ack('toggle-video', { roomId: room.id, enabled: true }));
    assertHas(await viewer.next('user-toggle-video'), { socketId: camera.id, enabled: true });
  });

  test('a toggle to the state one already has is accepted and broadcast again', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Repeater'] });
    for (let i = 0; i < 2; i++) {
      assertOk(await guests[0].ack('toggle-audio', { roomId: room.id, enabled: false }));
      assertHas(await host.next('user-toggle-audio'), { socketId: guests[0].id, enabled: false });
      assertOk(await guests[0].ack('toggle-video', { roomId: room.id, enabled: false }));
      assertHas(await host.next('user-toggle-video'), { socketId: guests[0].id, enabled: false });
    }
  });

  test('allowParticipantAudio false refuses enabling audio with NOT_ALLOWED but allows muting', async () => {
    const { room, host, guests } = await meeting(node, { settings: { allowParticipantAudio: false }, guests: ['Quiet'] });
    const [quiet] = guests;
    assertRefused(await quiet.ack('toggle-audio', { roomId: room.id, enabled: true }), 'NOT_ALLOWED');
    await host.none('user-toggle-audio');
    assertOk(await quiet.ack('toggle-audio', { roomId: room.id, enabled: false }));
    assertHas(await host.next('user-toggle-audio'), { socketId: quiet.id, enabled: false });
  });

  test('allowParticipantAudio false does not bind the host', async () => {
    const { room, host, guests } = await meeting(node, { settings: { allowParticipantAudio: false }, guests: ['Listener'] });
    assertOk(await host.ack('toggle-audio', { roomId: room.id, enabled: true }));
    assertHas(await guests[0].next('user-toggle-audio'), { socketId: host.id, enabled: true });
  });

  test('allowParticipantVideo false refuses enabling video with NOT_ALLOWED but not for the host', async () => {
    const { room, host, guests } = await meeting(node, { settings: { allowParticipantVideo: false }, guests: ['Dark'] });
    const [dark] = guests;
    assertRefused(await dark.ack('toggle-video', { roomId: room.id, enabled: true }), 'NOT_ALLOWED');
    await host.none('user-toggle-video');
    assertOk(await dark.ack('toggle-video', { roomId: room.id, enabled: false }));
    assertHas(await host.next('user-toggle-video'), { socketId: dark.id, enabled: false });
    assertOk(await host.ack('toggle-video', { roomId: room.id, enabled: true }));
    assertHas(await dark.next('user-toggle-video'), { socketId: host.id, enabled: true });
  });

  test('a refusal without an ack arrives as an error event', async () => {
    const { room, guests } = await meeting(node, { settings: { allowParticipantVideo: false }, guests: ['Dark'] });
    guests[0].emit('toggle-video', { roomId: room.id, enabled: true });
    assertErrorEvent(await guests[0].next('error'), 'NOT_ALLOWED');
  });

  test('settings changed while the meeting runs bind at once', async () => {
    const { room, hostUser, host, guests } = await meeting(node, { guests: ['Speaker'] });
    const response = await request(node, 'PATCH', `/api/rooms/${room.id}/settings`, {
      token: hostUser.token,
      body: { allowParticipantAudio: false },
    });
    assert.equal(response.status, 200);
    await guests[0].next('room-settings-updated');
    assertRefused(await guests[0].ack('toggle-audio', { roomId: room.id, enabled: true }), 'NOT_ALLOWED');
    await host.none('user-toggle-audio');
  });
});

describe('screen share', () => {
  test('start and stop screen share are broadcast to the others and stored', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Presenter', 'Audience'] });
    const [presenter, audience] = guests;
    assertOk(await presenter.ack('start-screen-share', { roomId: room.id }));
    assertHas(await host.next('screen-share-started'), { socketId: presenter.id });
    assertHas(await audience.next('screen-share-started'), { socketId: presenter.id });
    await presenter.none('screen-share-started');
    const info = await seenByNewcomer(room, [host, presenter, audience], presenter.id);
    assert.equal(info.isScreenSharing, true);
    assertOk(await presenter.ack('stop-screen-share', { roomId: room.id }));
    assertHas(await host.next('screen-share-stopped'), { socketId: presenter.id });
    assertHas(await audience.next('screen-share-stopped'), { socketId: presenter.id });
    const later = await seenByNewcomer(room, [host, presenter, audience], presenter.id);
    assert.equal(later.isScreenSharing, false);
  });

  test('allowScreenShare false refuses a participant with NOT_ALLOWED and not the host', async () => {
    const { room, host, guests } = await meeting(node, { settings: { allowScreenShare: false }, guests: ['Sharer'] });
    const [sharer] = guests;
    assertRefused(await sharer.ack('start-screen-share', { roomId: room.id }), 'NOT_ALLOWED');
    await host.none('screen-share-started');
    assertOk(await host.ack('start-screen-share', { roomId: room.id }));
    assertHas(await sharer.next('screen-share-started'), { socketId: host.id });
    assertOk(await sharer.ack('stop-screen-share', { roomId: room.id }), 'stopping is always allowed');
  });
});

describe('raised hands', () => {
  test('raising and lowering a hand is broadcast to the others and stored', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Asker', 'Other'] });
    const [asker, other] = guests;
    assertOk(await asker.ack('toggle-hand-raise', { roomId: room.id, raised: true }));
    assertHas(await host.next('user-hand-raised'), { socketId: asker.id, displayName: 'Asker' });
    assertHas(await other.next('user-hand-raised'), { socketId: asker.id, displayName: 'Asker' });
    await asker.none('user-hand-raised');
    const info = await seenByNewcomer(room, [host, asker, other], asker.id);
    assert.equal(info.isHandRaised, true);
    assertOk(await asker.ack('toggle-hand-raise', { roomId: room.id, raised: false }));
    assertHas(await host.next('user-hand-lowered'), { socketId: asker.id });
    assertHas(await other.next('user-hand-lowered'), { socketId: asker.id });
    await host.none('user-hand-raised');
  });
});

describe('media refusals', () => {
  const EVENTS = [
    ['toggle-audio', { enabled: false }],
    ['toggle-video', { enabled: false }],
    ['start-screen-share', {}],
    ['stop-screen-share', {}],
    ['toggle-hand-raise', { raised: true }],
  ];

  test('media events for a room the sender does not sit in are refused with NOT_IN_ROOM', async () => {
    const mine = await meeting(node, { guests: ['Wanderer'] });
    const other = await meeting(node, { guests: ['Resident'] });
    for (const [event, fields] of EVENTS) {
      assertRefused(await mine.guests[0].ack(event, { roomId: other.room.id, ...fields }), 'NOT_IN_ROOM');
    }
    for (const event of ['user-toggle-audio', 'user-toggle-video', 'screen-share-started', 'screen-share-stopped', 'user-hand-raised']) {
      await other.guests[0].none(event, { within: 50 });
      await mine.host.none(event, { within: 0 });
    }
  });

  test('media events from a socket without a seat are refused with NOT_IN_ROOM', async () => {
    const { room, host } = await meeting(node);
    const stranger = await guest(node, 'Stranger');
    for (const [event, fields] of EVENTS) {
      assertRefused(await stranger.ack(event, { roomId: room.id, ...fields }), 'NOT_IN_ROOM');
    }
    await host.none('user-toggle-audio');
  });

  test('missing or ill-typed media fields are refused with INVALID_PAYLOAD and change nothing', async () => {
    const { room, host, hostUser, guests } = await meeting(node, { guests: ['Sloppy'] });
    const before = await roomState(node, room, hostUser);
    const bad = [
      ['toggle-audio', { roomId: room.id }],
      ['toggle-audio', { roomId: room.id, enabled: 'false' }],
      ['toggle-video', { roomId: room.id, enabled: 0 }],
      ['toggle-video', { enabled: false }],
      ['toggle-hand-raise', { roomId: room.id, raised: 'yes' }],
      ['toggle-hand-raise', { roomId: room.id }],
      ['start-screen-share', { roomId: 17 }],
      ['stop-screen-share', {}],
    ];
    for (const [event, payload] of bad) {
      assertRefused(await guests[0].ack(event, payload), 'INVALID_PAYLOAD');
    }
    await host.none('user-toggle-audio');
    const state = await roomState(node, room, hostUser);
    assert.deepEqual(state.participants, before.participants);
    assertParticipant(state.participants.find((p) => p.socketId === guests[0].id), { isScreenSharing: false, isHandRaised: false });
  });
});
