// PROTOCOL §2 (handshake authentication) and the identity rules of §3.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { meeting } from '../lib/fixtures.js';
import { DEFAULT_SECRET, claims, newUser, rsaKeyPair, signHs256, signRs256, unsignedToken } from '../lib/jwt.js';
import { closeAllPeers, connect, guest, member, refused } from '../lib/peer.js';
import { createRoom } from '../lib/rest.js';
import { startNode } from '../lib/server.js';
import { assertParticipant } from '../lib/assertions.js';

const ISSUER = 'https://issuer.conformance.test';
const AUDIENCE = 'signaling-conformance';
const rsa = rsaKeyPair();
const otherRsa = rsaKeyPair();

let node; // defaults: HS256 only, guests allowed
let strict; // RS256 public key + issuer + audience
let noGuests; // ALLOW_GUESTS=false

before(async () => {
  node = await startNode({ NODE_ID: 'conf-auth' });
  strict = await startNode({
    NODE_ID: 'conf-auth-strict',
    JWT_PUBLIC_KEY: rsa.publicPem,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
  });
  noGuests = await startNode({ NODE_ID: 'conf-auth-noguests', ALLOW_GUESTS: 'false' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await Promise.all([node?.stop(), strict?.stop(), noGuests?.stop()]);
});

/** Asserts a refused handshake: err.message is the code, err.data = { code, message }. */
async function assertHandshakeRefused(target, auth, code) {
  const error = await refused(target, auth === undefined ? {} : { auth });
  assert.equal(error.message, code, `connect_error message for auth ${JSON.stringify(auth)?.slice(0, 200)}`);
  assert.equal(error.data?.code, code, `connect_error data ${JSON.stringify(error.data)}`);
  assert.equal(typeof error.data.message, 'string');
  assert.ok(error.data.message.length > 0);
}

/**
 * Connects a subject with `auth` into a room hosted by a fresh host and resolves with what
 * the host saw in `user-joined` and what the subject got in `room-joined`.
 */
async function admitAndObserve(target, auth) {
  const hostUser = target === strict ? newUser('Host', { iss: ISSUER, aud: AUDIENCE }) : newUser('Host');
  const { room, host } = await meeting(target, { hostUser });
  const subject = await connect(target, { auth }, 'subject');
  const { joined } = await subject.join(room.code);
  const seen = await host.next('user-joined', { where: (d) => d.participant.socketId === subject.id });
  return { seen: seen.participant, joined, subject, host };
}

describe('authenticated users', () => {
  test('a valid HS256 token connects and its sub becomes the user id', async () => {
    const user = newUser('Hilda Token');
    const { seen, joined, subject } = await admitAndObserve(node, { token: user.token });
    assertParticipant(seen, { socketId: subject.id, userId: user.sub, isHost: false });
    assert.equal(joined.isHost, false);
  });

  test('the name claim is the default display name', async () => {
    const user = newUser('Claimed Name');
    const { seen } = await admitAndObserve(node, { token: user.token });
    assert.equal(seen.displayName, 'Claimed Name');
  });

  test('a handshake display name replaces the name claim', async () => {
    const user = newUser('Claimed Name');
    const { seen } = await admitAndObserve(node, { token: user.token, displayName: 'Chosen Name' });
    assert.equal(seen.displayName, 'Chosen Name');
    assert.equal(seen.userId, user.sub);
  });

  test('the verified sub makes the creator host of its room', async () => {
    const user = newUser('Creator');
    const room = await createRoom(node, user);
    const creator = await member(node, user);
    const { joined } = await creator.join(room.code);
    assert.equal(joined.isHost, true);
  });

  test('an auth userId equal to the sub is accepted', async () => {
    const user = newUser('Same Id');
    const peer = await member(node, user, { auth: { userId: user.sub } });
    assert.ok(peer.connected);
  });

  test('an auth userId that differs from the sub is refused with AUTH_FAILED', async () => {
    const user = newUser('Spoofer');
    await assertHandshakeRefused(node, { token: user.token, userId: `user-${randomUUID()}` }, 'AUTH_FAILED');
  });

  test('a token with alg none is refused with AUTH_FAILED', async () => {
    const token = unsignedToken(claims({ sub: `user-${randomUUID()}`, name: 'No Alg' }));
    await assertHandshakeRefused(node, { token }, 'AUTH_FAILED');
  });

  test('an expired token is refused with AUTH_FAILED', async () => {
    const token = signHs256(claims({ sub: `user-${randomUUID()}`, name: 'Late', exp: Math.floor(Date.now() / 1000) - 600 }));
    await assertHandshakeRefused(node, { token }, 'AUTH_FAILED');
  });

  test('a token signed with another secret is refused with AUTH_FAILED', async () => {
    const token = signHs256(claims({ sub: `user-${randomUUID()}`, name: 'Forger' }), `${DEFAULT_SECRET}-but-not-quite`);
    await assertHandshakeRefused(node, { token }, 'AUTH_FAILED');
  });

  test('a token whose payload was altered after signing is refused with AUTH_FAILED', async () => {
    const honest = newUser('Honest');
    const [head, , signature] = honest.token.split('.');
    const forged = Buffer.from(JSON.stringify(claims({ sub: `user-${randomUUID()}`, name: 'Honest' }))).toString('base64url');
    await assertHandshakeRefused(node, { token: `${head}.${forged}.${signature}` }, 'AUTH_FAILED');
  });

  test('a token that is not a JWT is refused with AUTH_FAILED', async () => {
    await assertHandshakeRefused(node, { token: 'definitely-not-a-jwt' }, 'AUTH_FAILED');
  });

  test('a token is refused even when a display name is given as well', async () => {
    const token = unsignedToken(claims({ sub: `user-${randomUUID()}` }));
    await assertHandshakeRefused(node, { token, displayName: 'Would Be Guest' }, 'AUTH_FAILED');
  });

  test('an RS256 token verified by JWT_PUBLIC_KEY connects', async () => {
    const sub = `user-${randomUUID()}`;
    const token = signRs256(claims({ sub, name: 'Rsa User', iss: ISSUER, aud: AUDIENCE }), rsa.privateKey);
    const { seen } = await admitAndObserve(strict, { token });
    assert.equal(seen.userId, sub);
    assert.equal(seen.displayName, 'Rsa User');
  });

  test('an RS256 token signed by an unknown key is refused with AUTH_FAILED', async () => {
    const token = signRs256(claims({ sub: `user-${randomUUID()}`, name: 'X', iss: ISSUER, aud: AUDIENCE }), otherRsa.privateKey);
    await assertHandshakeRefused(strict, { token }, 'AUTH_FAILED');
  });

  test('an RS256 token is refused by a node that has no public key', async () => {
    const token = signRs256(claims({ sub: `user-${randomUUID()}`, name: 'X' }), rsa.privateKey);
    await assertHandshakeRefused(node, { token }, 'AUTH_FAILED');
  });

  test('an HS256 token with the configured issuer and audience connects', async () => {
    const token = signHs256(claims({ sub: `user-${randomUUID()}`, name: 'Hs', iss: ISSUER, aud: AUDIENCE }));
    const peer = await connect(strict, { auth: { token } });
    assert.ok(peer.connected);
  });

  test('a wrong issuer is refused with AUTH_FAILED when JWT_ISSUER is set', async () => {
    const token = signRs256(claims({ sub: `user-${randomUUID()}`, name: 'X', iss: 'https://elsewhere.test', aud: AUDIENCE }), rsa.privateKey);
    await assertHandshakeRefused(strict, { token }, 'AUTH_FAILED');
  });

  test('a missing issuer is refused with AUTH_FAILED when JWT_ISSUER is set', async () => {
    const token = signHs256(claims({ sub: `user-${randomUUID()}`, name: 'X', aud: AUDIENCE }));
    await assertHandshakeRefused(strict, { token }, 'AUTH_FAILED');
  });

  test('a wrong audience is refused with AUTH_FAILED when JWT_AUDIENCE is set', async () => {
    const token = signRs256(claims({ sub: `user-${randomUUID()}`, name: 'X', iss: ISSUER, aud: 'someone-else' }), rsa.privateKey);
    await assertHandshakeRefused(strict, { token }, 'AUTH_FAILED');
  });

  test('an expired RS256 token is refused with AUTH_FAILED', async () => {
    const token = signRs256(
      claims({ sub: `user-${randomUUID()}`, name: 'X', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) - 600 }),
      rsa.privateKey,
    );
    await assertHandshakeRefused(strict, { token }, 'AUTH_FAILED');
  });
});

describe('guests', () => {
  test('a guest with a display name connects and has no user id', async () => {
    const { seen, joined, subject } = await admitAndObserve(node, { displayName: 'Gina Guest' });
    assertParticipant(seen, { socketId: subject.id, displayName: 'Gina Guest', isHost: false, userId: undefined });
    assert.equal(joined.isHost, false);
  });

  test('a guest userId is ignored and never makes the guest host', async () => {
    const hostUser = newUser('Real Host');
    const room = await createRoom(node, hostUser);
    const observer = await guest(node, 'Observer');
    await observer.join(room.code);
    const impostor = await guest(node, 'Impostor', { auth: { userId: hostUser.sub } });
    const { joined } = await impostor.join(room.code);
    assert.equal(joined.isHost, false, 'a guest claiming the host id must not be host');
    const seen = await observer.next('user-joined', { where: (d) => d.participant.socketId === impostor.id });
    assertParticipant(seen.participant, { userId: undefined, isHost: false });
  });

  test('a socket without any auth is refused with DISPLAY_NAME_REQUIRED', async () => {
    await assertHandshakeRefused(node, undefined, 'DISPLAY_NAME_REQUIRED');
  });

  test('a guest without a display name is refused with DISPLAY_NAME_REQUIRED', async () => {
    await assertHandshakeRefused(node, {}, 'DISPLAY_NAME_REQUIRED');
    await assertHandshakeRefused(node, { userId: 'someone' }, 'DISPLAY_NAME_REQUIRED');
  });

  test('a blank display name is refused with DISPLAY_NAME_REQUIRED', async () => {
    await assertHandshakeRefused(node, { displayName: '' }, 'DISPLAY_NAME_REQUIRED');
    await assertHandshakeRefused(node, { displayName: '   \t ' }, 'DISPLAY_NAME_REQUIRED');
  });

  test('a display name of control characters only is refused with DISPLAY_NAME_REQUIRED', async () => {
    await assertHandshakeRefused(node, { displayName: ' \u0000\u0007\u001b ' }, 'DISPLAY_NAME_REQUIRED');
  });

  test('a display name is trimmed', async () => {
    const { seen } = await admitAndObserve(node, { displayName: '   Trimmed Tom  ' });
    assert.equal(seen.displayName, 'Trimmed Tom');
  });

  test('control characters are removed from a display name', async () => {
    const { seen } = await admitAndObserve(node, { displayName: 'Ctrl\u0000 Car\u0007la\u001b\u007f' });
    assert.equal(seen.displayName, 'Ctrl Carla');
  });

  test('a display name of 50 characters is accepted', async () => {
    const name = 'N'.repeat(50);
    const { seen } = await admitAndObserve(node, { displayName: `  ${name}  ` });
    assert.equal(seen.displayName, name);
  });

  test('a display name of 51 characters is refused with INVALID_PAYLOAD', async () => {
    await assertHandshakeRefused(node, { displayName: 'N'.repeat(51) }, 'INVALID_PAYLOAD');
  });

  test('a display name is measured after control characters are removed', async () => {
    const name = `${'M'.repeat(25)}\u0001${'M'.repeat(25)}`;
    const { seen } = await admitAndObserve(node, { displayName: name });
    assert.equal(seen.displayName, 'M'.repeat(50));
  });

  test('a display name that is not a string is refused with INVALID_PAYLOAD', async () => {
    await assertHandshakeRefused(node, { displayName: 42 }, 'INVALID_PAYLOAD');
    await assertHandshakeRefused(node, { displayName: { first: 'A' } }, 'INVALID_PAYLOAD');
  });

  test('an authenticated user with an overlong display name is refused with INVALID_PAYLOAD', async () => {
    const user = newUser('Long');
    await assertHandshakeRefused(node, { token: user.token, displayName: 'L'.repeat(51) }, 'INVALID_PAYLOAD');
  });
});

describe('guests switched off', () => {
  test('a guest is refused with GUESTS_NOT_ALLOWED when ALLOW_GUESTS is false', async () => {
    await assertHandshakeRefused(noGuests, { displayName: 'Guest' }, 'GUESTS_NOT_ALLOWED');
  });

  test('a socket without any auth is refused with GUESTS_NOT_ALLOWED when ALLOW_GUESTS is false', async () => {
    await assertHandshakeRefused(noGuests, undefined, 'GUESTS_NOT_ALLOWED');
  });

  test('an authenticated user still connects when ALLOW_GUESTS is false', async () => {
    const user = newUser('Member');
    const { seen } = await admitAndObserve(noGuests, { token: user.token });
    assert.equal(seen.userId, user.sub);
  });

  test('a bad token is still AUTH_FAILED when ALLOW_GUESTS is false', async () => {
    await assertHandshakeRefused(noGuests, { token: 'nope.nope.nope' }, 'AUTH_FAILED');
  });
});
