// Hardening of the edges that clients and operators reach: token lifetimes (§2), log lines,
// display names (§2), numeric ranges (§7) and the management port (§1).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_SECRET, signHs256 } from '../lib/jwt.js';
import { eventually } from '../lib/cluster.js';
import { meeting } from '../lib/fixtures.js';
import { closeAllPeers, connect, guest, refused } from '../lib/peer.js';
import { assertRestError, createRoom, request, roomState } from '../lib/rest.js';
import { newUser } from '../lib/jwt.js';
import { JAR, baseEnv, startNode, startNodeExpectingFailure } from '../lib/server.js';

const run = promisify(execFile);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const YEAR = 365 * 24 * 3600;

let node;

before(async () => {
  node = await startNode({ NODE_ID: 'conf-hardening' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

/** An HS256 token for a fresh user with exactly `extra` as its time claims. */
function tokenWith(extra) {
  return signHs256({ sub: `user-${randomUUID()}`, name: 'Timed', ...extra });
}

async function assertTokenRefused(token, what) {
  const error = await refused(node, { auth: { token } });
  assert.equal(error.message, 'AUTH_FAILED', `handshake with ${what}`);
  const response = await request(node, 'POST', '/api/rooms', { token, body: { name: 'x' } });
  assertRestError(response, 401, 'AUTH_FAILED', `REST with ${what}`);
}

describe('token lifetime (§2)', () => {
  test('a token without exp is refused on the handshake and over REST', async () => {
    await assertTokenRefused(tokenWith({ iat: nowSeconds() }), 'no exp');
  });

  test('a token that expires in the year 2200 is refused', async () => {
    await assertTokenRefused(tokenWith({ iat: nowSeconds(), exp: Math.floor(Date.UTC(2200, 0, 1) / 1000) }), 'exp in 2200');
  });

  test('a token whose exp lies beyond JWT_MAX_LIFETIME (default 24h) is refused', async () => {
    await assertTokenRefused(tokenWith({ iat: nowSeconds(), exp: nowSeconds() + 24 * 3600 + 120 }), 'exp in 24h + 2 min');
  });

  test('a token issued a year ahead, or not valid before next year, is refused', async () => {
    await assertTokenRefused(tokenWith({ iat: nowSeconds() + YEAR, exp: nowSeconds() + 3600 }), 'iat a year ahead');
    await assertTokenRefused(tokenWith({ iat: nowSeconds() + 60, exp: nowSeconds() + 3600 }), 'iat a minute ahead');
    await assertTokenRefused(tokenWith({ nbf: nowSeconds() + YEAR, exp: nowSeconds() + 3600 }), 'nbf a year ahead');
  });

  test('a token within the rules (iat now, exp in 23 h) is accepted on both paths', async () => {
    const token = tokenWith({ iat: nowSeconds(), exp: nowSeconds() + 23 * 3600 });
    const peer = await connect(node, { auth: { token } }, 'in-rules');
    assert.ok(peer.id);
    const response = await request(node, 'POST', '/api/rooms', { token, body: { name: 'ok' } });
    assert.equal(response.status, 201, response.text);
  });

  test('a shorter JWT_MAX_LIFETIME refuses what the default accepts', async () => {
    const short = await startNode({ NODE_ID: 'conf-hardening-short', JWT_MAX_LIFETIME: '10m' });
    try {
      const token = tokenWith({ iat: nowSeconds(), exp: nowSeconds() + 3600 });
      const error = await refused(short, { auth: { token } });
      assert.equal(error.message, 'AUTH_FAILED');
      const fine = tokenWith({ iat: nowSeconds(), exp: nowSeconds() + 300 });
      await connect(short, { auth: { token: fine } }, 'short-ok');
    } finally {
      await short.stop();
    }
  });

  test('the dev-token command mints tokens that pass', async () => {
    const env = { ...process.env, ...baseEnv(), JWT_SECRET: DEFAULT_SECRET };
    const { stdout } = await run('java', ['-jar', JAR, 'token', 'alice', 'Alice'], { env, timeout: 30_000 });
    const token = stdout.trim();
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(typeof payload.exp, 'number', 'dev token carries exp');
    assert.ok(payload.exp - nowSeconds() <= 24 * 3600);
    const peer = await connect(node, { auth: { token } }, 'dev-token');
    assert.ok(peer.id);
    const response = await request(node, 'POST', '/api/rooms', { token, body: { name: 'dev' } });
    assert.equal(response.status, 201, response.text);
  });
});

describe('log lines (no forging)', () => {
  test('a newline in sub or in a display name cannot start a log line of its own', async () => {
    const sub = 'x\nFAKE ERROR line';
    const token = signHs256({ sub, name: 'Named\nFAKE ERROR name', iat: nowSeconds(), exp: nowSeconds() + 600 });
    const user = await connect(node, { auth: { token } }, 'forger');
    const created = await request(node, 'POST', '/api/rooms', { token, body: { name: 'forged' } });
    assert.equal(created.status, 201, created.text);
    await user.join(created.body.code);
    const guestPeer = await connect(node, { auth: { displayName: 'Guest\r\nFAKE ERROR guest' } }, 'forging guest');
    await guestPeer.join(created.body.code);
    // The node logs the connect of each socket and the room's creation with the user id: wait for those lines.
    await eventually('log lines of the forger', () => {
      const out = node.output();
      assert.ok(out.includes(`Socket ${user.id} connected`), 'connect line');
      assert.ok(out.includes(`Socket ${guestPeer.id} joined room`), 'join line');
      assert.ok(out.includes(`Room ${created.body.id} (`), 'creation line');
    });
    const lines = node.output().split(/[\r\n\u2028\u2029\u0085]/);
    const forged = lines.filter((line) => line.trimStart().startsWith('FAKE ERROR'));
    assert.deepEqual(forged, [], 'forged lines in the node output');
    assert.ok(node.output().includes('x\\nFAKE ERROR line'), 'the user id is logged escaped');
  });
});

describe('display names (§2)', () => {
  const ZW = '\u200b\u200c\u200d\u2060\ufeff'; // zero-width space, non-joiner, joiner, word joiner, BOM
  const BIDI = '\u202e\u202d\u2066\u2067\u2068\u2069\u200e\u200f'; // overrides, isolates, marks

  /** What the host of a fresh meeting sees as the name of `subject` after it joined (with `extra` in join-room). */
  async function seenName(subjectAuth, extra = {}) {
    const { room, host } = await meeting(node);
    const subject = await connect(node, { auth: subjectAuth }, 'subject');
    await subject.join(room.code, extra);
    const seen = await host.next('user-joined', { where: (d) => d.participant.socketId === subject.id });
    return seen.participant.displayName;
  }

  test('zero-width and bidi characters are removed from a guest name', async () => {
    assert.equal(await seenName({ displayName: ` Ev${ZW}e${BIDI}lyn ` }), 'Evelyn');
  });

  test('a name made only of invisible characters is DISPLAY_NAME_REQUIRED', async () => {
    const error = await refused(node, { auth: { displayName: `${ZW}${BIDI} \t` } });
    assert.equal(error.message, 'DISPLAY_NAME_REQUIRED');
  });

  test('the 50-character limit counts what is left after cleaning', async () => {
    assert.equal(await seenName({ displayName: `${'n'.repeat(50)}${ZW.repeat(20)}` }), 'n'.repeat(50));
    const error = await refused(node, { auth: { displayName: 'n'.repeat(51) } });
    assert.equal(error.message, 'INVALID_PAYLOAD');
  });

  test("the token's name claim follows the same rules", async () => {
    const named = (name) => signHs256({ sub: `user-${randomUUID()}`, name, iat: nowSeconds(), exp: nowSeconds() + 600 });
    assert.equal(await seenName({ token: named(`\u202eMal${ZW}lory`) }), 'Mallory');
    assert.equal((await refused(node, { auth: { token: named(ZW) } })).message, 'DISPLAY_NAME_REQUIRED');
    assert.equal((await refused(node, { auth: { token: named(42) } })).message, 'INVALID_PAYLOAD');
  });

  test("join-room's displayName follows the same rules", async () => {
    assert.equal(await seenName({ displayName: 'Plain' }, { displayName: `${BIDI}Ro${ZW}om name` }), 'Room name');
    const { room } = await meeting(node);
    const subject = await guest(node, 'Plain');
    const blank = await subject.ack('join-room', { roomCode: room.code, displayName: ZW + BIDI });
    assert.equal(blank.success, false);
    assert.equal(blank.code, 'DISPLAY_NAME_REQUIRED');
    const long = await subject.ack('join-room', { roomCode: room.code, displayName: 'l'.repeat(51) });
    assert.equal(long.code, 'INVALID_PAYLOAD');
  });
});

describe('numbers out of range in any encoding (§7)', () => {
  // Raw JSON texts, so that the number reaches the node exactly as written (JSON.stringify would round it).
  const BAD_MAX = ['18446744073709551626', '-18446744073709551606', '9223372036854775817', '4294967306', '5e2', '500.5',
    '500.0', '1e400', '-1', '501', '1', '"50"', 'true', '[50]', '{}'];

  test('POST /api/rooms refuses maxParticipants out of 2-500 or not an integer with 400', async () => {
    const user = newUser('Counter');
    for (const raw of BAD_MAX) {
      const response = await request(node, 'POST', '/api/rooms', { token: user.token, raw: `{"name":"n","maxParticipants":${raw}}` });
      assertRestError(response, 400, 'INVALID_PAYLOAD', `maxParticipants ${raw}`);
    }
    const ok = await request(node, 'POST', '/api/rooms', { token: user.token, raw: '{"maxParticipants":500}' });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.settings.maxParticipants, 500);
  });

  test('PATCH settings refuses the same and changes nothing', async () => {
    const user = newUser('Patcher');
    const room = await createRoom(node, user, { maxParticipants: 7 });
    for (const raw of BAD_MAX) {
      const response = await request(node, 'PATCH', `/api/rooms/${room.id}/settings`, {
        token: user.token,
        raw: `{"allowChat":false,"maxParticipants":${raw}}`,
      });
      assertRestError(response, 400, 'INVALID_PAYLOAD', `PATCH maxParticipants ${raw}`);
    }
    const state = await roomState(node, room, user);
    assert.equal(state.settings.maxParticipants, 7);
    assert.equal(state.settings.allowChat, true);
  });

  test('time claims out of range (2^64+10 wraps to 10 in a long) are AUTH_FAILED', async () => {
    const sub = `user-${randomUUID()}`;
    // hand-written payload: the number must reach the node unrounded
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    const sign = (payloadText) => {
      const head = `${header}.${Buffer.from(payloadText).toString('base64url')}`;
      return `${head}.${createHmac('sha256', DEFAULT_SECRET).update(head).digest('base64url')}`;
    };
    const exp = nowSeconds() + 600;
    for (const claims of [`"iat":18446744073709551626,"exp":${exp}`, `"nbf":18446744073709551626,"exp":${exp}`,
      `"exp":18446744073709551626`, `"iat":1e400,"exp":${exp}`, `"exp":"${exp}"`]) {
      await assertTokenRefused(sign(`{"sub":"${sub}","name":"N",${claims}}`), claims);
    }
    await connect(node, { auth: { token: sign(`{"sub":"${sub}","name":"N","iat":${nowSeconds()},"exp":${exp}}`) } }, 'sane');
  });
});

describe('management port (§1)', () => {
  /** Resolves with the status of GET /healthz at `host:port`, or with the connection error's code. */
  async function probe(host, port) {
    try {
      const response = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
      return response.status;
    } catch (error) {
      return error.cause?.code ?? error.name;
    }
  }

  test('it binds loopback by default, not the public HOST', async () => {
    // 127.0.0.2 is loopback too, but a different address than 127.0.0.1: a node on HOST=127.0.0.2 that bound its
    // management port on HOST would answer there.
    const other = await startNode({ NODE_ID: 'conf-hardening-mgmt', HOST: '127.0.0.2' });
    try {
      assert.equal(typeof (await probe('127.0.0.2', other.port)), 'number', 'the public port answers on HOST');
      assert.equal(await probe('127.0.0.2', other.managementPort), 'ECONNREFUSED', 'management port on HOST');
      assert.equal(await probe('127.0.0.1', other.managementPort), 200, 'management port on 127.0.0.1');
    } finally {
      await other.stop();
    }
  });

  test('MANAGEMENT_HOST chooses its address', async () => {
    const other = await startNode({ NODE_ID: 'conf-hardening-mgmt-host', MANAGEMENT_HOST: '127.0.0.3' });
    try {
      assert.equal(await probe('127.0.0.3', other.managementPort), 200);
      assert.equal(await probe('127.0.0.1', other.managementPort), 'ECONNREFUSED');
    } finally {
      await other.stop();
    }
  });

  test('a bad MANAGEMENT_HOST or JWT_MAX_LIFETIME stops the node with a message naming it', async () => {
    for (const [variable, value] of [['MANAGEMENT_HOST', 'http://0.0.0.0:9091'], ['JWT_MAX_LIFETIME', 'forever']]) {
      const { code, output } = await startNodeExpectingFailure({ [variable]: value });
      assert.notEqual(code, 0);
      assert.match(output, new RegExp(`${variable}:`), output);
    }
  });
});
