// PROTOCOL §5 WebRTC signaling: offer / answer / ice-candidate relayed to one participant.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertErrorEvent, assertHas, assertOk, assertRefused } from '../lib/assertions.js';
import { meeting } from '../lib/fixtures.js';
import { newUser } from '../lib/jwt.js';
import { closeAllPeers, guest } from '../lib/peer.js';
import { startNode } from '../lib/server.js';

let node;
let fastNode; // rate limit lifted, for the ordering test

before(async () => {
  node = await startNode({ NODE_ID: 'conf-relay' });
  fastNode = await startNode({
    NODE_ID: 'conf-relay-fast',
    RATE_LIMIT_EVENTS_PER_SEC: '1000000',
    RATE_LIMIT_BURST: '1000000',
  });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await Promise.all([node?.stop(), fastNode?.stop()]);
});

const SDP_OFFER = {
  type: 'offer',
  sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=msid-semantic: WMS\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n',
};
const SDP_ANSWER = { type: 'answer', sdp: SDP_OFFER.sdp.replace('4611731400430051336', '1234567890') };
const CANDIDATE = {
  candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.10 56143 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXP5 network-cost 999',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'sXP5',
};

describe('relay', () => {
  test('an offer reaches only its target with the sender id, user id, display name and the sdp unchanged', async () => {
    const hostUser = newUser('Offering Host');
    const { host, guests } = await meeting(node, { guests: ['Bob', 'Carol'], hostName: hostUser.name });
    const [bob, carol] = guests;
    assertOk(await host.ack('offer', { targetId: bob.id, sdp: SDP_OFFER }), 'offer ack');
    const offer = await bob.next('offer');
    assertHas(offer, { senderId: host.id, sdp: SDP_OFFER }, 'offer');
    assert.equal(offer.displayName, hostUser.name);
    assert.equal(typeof offer.userId, 'string', 'an authenticated sender carries its user id');
    await carol.none('offer');
    await host.none('offer', { within: 0 });
  });

  test('an offer from a guest carries no user id', async () => {
    const { host, guests } = await meeting(node, { guests: ['Guest Offerer'] });
    assertOk(await guests[0].ack('offer', { targetId: host.id, sdp: SDP_OFFER }));
    const offer = await host.next('offer');
    assertHas(offer, { senderId: guests[0].id, displayName: 'Guest Offerer', userId: undefined, sdp: SDP_OFFER }, 'offer');
  });

  test('an answer reaches only its target with the sender id and the sdp unchanged', async () => {
    const { host, guests } = await meeting(node, { guests: ['Bob', 'Carol'] });
    const [bob, carol] = guests;
    assertOk(await bob.ack('answer', { targetId: host.id, sdp: SDP_ANSWER }), 'answer ack');
    const answer = await host.next('answer');
    assertHas(answer, { senderId: bob.id, sdp: SDP_ANSWER }, 'answer');
    await carol.none('answer');
  });

  test('an ice candidate reaches only its target unchanged', async () => {
    const { host, guests } = await meeting(node, { guests: ['Bob', 'Carol'] });
    const [bob, carol] = guests;
    assertOk(await carol.ack('ice-candidate', { targetId: bob.id, candidate: CANDIDATE }), 'ice ack');
    const ice = await bob.next('ice-candidate');
    assertHas(ice, { senderId: carol.id, candidate: CANDIDATE }, 'ice-candidate');
    await host.none('ice-candidate');
  });

  test('fields a client cannot know are passed through untouched and a forged sender id is ignored', async () => {
    const { host, guests } = await meeting(node, { guests: ['Forger'] });
    const sdp = { ...SDP_OFFER, extra: { nested: [1, 'two', null, true] } };
    assertOk(await guests[0].ack('offer', { targetId: host.id, sdp, senderId: 'someone-else', displayName: 'Fake' }));
    const offer = await host.next('offer');
    assert.equal(offer.senderId, guests[0].id);
    assert.equal(offer.displayName, 'Forger');
    assert.deepEqual(offer.sdp, sdp);
  });

  test('a full offer / answer / candidates exchange works in both directions', async () => {
    const { host, guests } = await meeting(node, { guests: ['Peer'] });
    const [peer] = guests;
    host.emit('offer', { targetId: peer.id, sdp: SDP_OFFER });
    host.emit('ice-candidate', { targetId: peer.id, candidate: { ...CANDIDATE, sdpMLineIndex: 0 } });
    assertHas(await peer.next('offer'), { senderId: host.id, sdp: SDP_OFFER });
    peer.emit('answer', { targetId: host.id, sdp: SDP_ANSWER });
    peer.emit('ice-candidate', { targetId: host.id, candidate: { ...CANDIDATE, sdpMLineIndex: 1 } });
    assertHas(await host.next('answer'), { senderId: peer.id, sdp: SDP_ANSWER });
    assertHas(await host.next('ice-candidate'), { senderId: peer.id, candidate: { ...CANDIDATE, sdpMLineIndex: 1 } });
    assertHas(await peer.next('ice-candidate'), { senderId: host.id, candidate: { ...CANDIDATE, sdpMLineIndex: 0 } });
    await host.none('error', { within: 0 });
    await peer.none('error', { within: 0 });
  });
});

describe('relay refusals', () => {
  test('a target that is no participant is refused with TARGET_NOT_FOUND', async () => {
    const { host } = await meeting(node);
    for (const event of ['offer', 'answer']) {
      assertRefused(await host.ack(event, { targetId: 'no-such-socket', sdp: SDP_OFFER }), 'TARGET_NOT_FOUND');
    }
    assertRefused(await host.ack('ice-candidate', { targetId: 'no-such-socket', candidate: CANDIDATE }), 'TARGET_NOT_FOUND');
  });

  test('a target in another room is refused with TARGET_NOT_FOUND and receives nothing', async () => {
    const a = await meeting(node);
    const b = await meeting(node, { guests: ['Elsewhere'] });
    const outsider = b.guests[0];
    assertRefused(await a.host.ack('offer', { targetId: outsider.id, sdp: SDP_OFFER }), 'TARGET_NOT_FOUND');
    assertRefused(await a.host.ack('answer', { targetId: outsider.id, sdp: SDP_ANSWER }), 'TARGET_NOT_FOUND');
    assertRefused(await a.host.ack('ice-candidate', { targetId: outsider.id, candidate: CANDIDATE }), 'TARGET_NOT_FOUND');
    await outsider.none('offer');
    await outsider.none('answer', { within: 0 });
    await outsider.none('ice-candidate', { within: 0 });
  });

  test('a connected socket without a seat is no target', async () => {
    const { host } = await meeting(node);
    const lobby = await guest(node, 'Lobby');
    assertRefused(await host.ack('offer', { targetId: lobby.id, sdp: SDP_OFFER }), 'TARGET_NOT_FOUND');
    await lobby.none('offer');
  });

  test('relay events from a socket without a seat are refused with NOT_IN_ROOM', async () => {
    const { host } = await meeting(node);
    const stranger = await guest(node, 'Stranger');
    assertRefused(await stranger.ack('offer', { targetId: host.id, sdp: SDP_OFFER }), 'NOT_IN_ROOM');
    assertRefused(await stranger.ack('answer', { targetId: host.id, sdp: SDP_ANSWER }), 'NOT_IN_ROOM');
    assertRefused(await stranger.ack('ice-candidate', { targetId: host.id, candidate: CANDIDATE }), 'NOT_IN_ROOM');
    await host.none('offer');
    await host.none('answer', { within: 0 });
    await host.none('ice-candidate', { within: 0 });
  });

  test('a relay refusal without an ack arrives as an error event to the sender alone', async () => {
    const { host, guests } = await meeting(node, { guests: ['Witness'] });
    host.emit('offer', { targetId: 'nobody', sdp: SDP_OFFER });
    assertErrorEvent(await host.next('error'), 'TARGET_NOT_FOUND');
    await guests[0].none('error');
  });

  test('missing or ill-typed relay fields are refused with INVALID_PAYLOAD', async () => {
    const { host, guests } = await meeting(node, { guests: ['Target'] });
    const targetId = guests[0].id;
    const bad = [
      ['offer', { sdp: SDP_OFFER }],
      ['offer', { targetId }],
      ['offer', { targetId, sdp: 'v=0' }],
      ['offer', { targetId: 42, sdp: SDP_OFFER }],
      ['answer', { targetId, sdp: null }],
      ['ice-candidate', { targetId }],
      ['ice-candidate', { targetId, candidate: 'candidate:1 1 udp' }],
      ['ice-candidate', { targetId: null, candidate: CANDIDATE }],
    ];
    for (const [event, payload] of bad) {
      assertRefused(await host.ack(event, payload), 'INVALID_PAYLOAD');
    }
    await guests[0].none('offer');
    await guests[0].none('answer', { within: 0 });
    await guests[0].none('ice-candidate', { within: 0 });
  });
});

describe('relay order', () => {
  test('an offer followed by 1000 ice candidates arrives in order', async () => {
    const { host, guests } = await meeting(fastNode, { guests: ['Receiver'] });
    const [receiver] = guests;
    const received = [];
    const done = new Promise((resolve) => {
      receiver.socket.on('offer', () => received.push(-1));
      receiver.socket.on('ice-candidate', (d) => {
        received.push(d.candidate.sdpMLineIndex);
        if (received.length === 1001) resolve();
      });
    });
    host.emit('offer', { targetId: receiver.id, sdp: SDP_OFFER });
    for (let i = 0; i < 1000; i++) {
      host.emit('ice-candidate', { targetId: receiver.id, candidate: { ...CANDIDATE, sdpMLineIndex: i } });
    }
    await Promise.race([
      done,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${received.length} of 1001 signals arrived`)), 15_000)),
    ]);
    assert.equal(received[0], -1, 'the offer comes first');
    assert.deepEqual(received.slice(1), Array.from({ length: 1000 }, (_, i) => i));
    assert.equal(host.take('error').length, 0, 'no signal was refused');
  });

  test('an offer and its candidates to one target keep their order while others talk in between', async () => {
    const { host, guests } = await meeting(fastNode, { guests: ['Receiver', 'Noise'] });
    const [receiver, noise] = guests;
    const fromHost = [];
    const done = new Promise((resolve) => {
      receiver.socket.on('ice-candidate', (d) => {
        if (d.senderId === host.id) fromHost.push(d.candidate.sdpMLineIndex);
        if (fromHost.length === 300) resolve();
      });
    });
    for (let i = 0; i < 300; i++) {
      host.emit('ice-candidate', { targetId: receiver.id, candidate: { ...CANDIDATE, sdpMLineIndex: i } });
      noise.emit('ice-candidate', { targetId: receiver.id, candidate: { ...CANDIDATE, sdpMLineIndex: 10_000 + i } });
    }
    await Promise.race([
      done,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${fromHost.length} of 300 arrived`)), 10_000)),
    ]);
    assert.deepEqual(fromHost, Array.from({ length: 300 }, (_, i) => i));
  });
});
