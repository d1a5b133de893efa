// PROTOCOL §7 (HTTP framing, order, body limits) and §8 (every HTTP request to the public port gets an
// answer; nothing is held for a session that no longer exists). Raw TCP clients for what fetch and
// socket.io-client cannot send; the official client, in its own process, where it shows the effect.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { closeAllPeers } from '../lib/peer.js';
import { openRaw } from '../lib/raw.js';
import { RawHttp, RawPolling, get, once, post, runClientProcess } from '../lib/http.js';
import { heapAfterGc, metric } from '../lib/abuse.js';
import { newUser } from '../lib/jwt.js';
import { startRedis, randomPrefix } from '../lib/redis.js';
import { request } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node;
const opened = [];

before(async () => {
  node = await startNode({ NODE_ID: 'conf-http' });
});
afterEach(async () => {
  await closeAllPeers();
  for (const thing of opened.splice(0)) thing.close();
});
after(async () => {
  await node?.stop();
});

async function polling() {
  const session = await new RawPolling(node).open();
  opened.push(session);
  return session;
}

/** Resolves with a guest's polling session after its CONNECT was accepted. */
async function connectedPolling(displayName = 'Poller') {
  const session = await polling();
  await session.send(`40${JSON.stringify({ displayName })}`);
  const answer = await session.poll();
  assert.match(answer.body, /^40\{/, `CONNECT answer: ${answer.body}`);
  return session;
}

describe('pending long-polls are answered when their session ends (§8)', () => {
  test("the client's Engine.IO close answers the pending GET at once", async () => {
    // As below: the node may read the closing POST before the GET (two connections), and then the GET is
    // answered 400 "Session ID unknown" at once; played again until the GET was pending (CI saw it once).
    let answer;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const session = await connectedPolling();
      const pending = await session.startPoll();
      await session.send('41\x1e1');
      answer = await pending.response(1, 2_000);
      if (answer.status === 200) {
        assert.equal(answer.body, '1', 'the Engine.IO close packet');
        assert.ok(await pending.closesWithin(2_000), 'the connection of the answered poll is closed');
        break;
      }
      assert.equal(answer.status, 400, `attempt ${attempt}: ${answer.status} ${answer.body}`);
      assert.match(answer.body, /Session ID unknown/);
    }
    assert.equal(answer.status, 200, 'a pending GET was answered by its session closing');
  });

  test('a server-side close answers the pending GET (a second CONNECT closes the session)', async () => {
    // The GET and the POST travel on two connections, which the node may read in either order: when the POST is
    // read first, the GET names a session already closed and is answered 400 "Session ID unknown" (also at once).
    // Play it again until the GET was pending (it is on the first try unless the machine is very busy).
    let answer;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const session = await connectedPolling();
      const pending = await session.startPoll();
      await session.send(`40${JSON.stringify({ displayName: 'Again' })}`);
      answer = await pending.response(1, 2_000);
      if (answer.status === 200) {
        assert.ok(await pending.closesWithin(2_000), 'the connection of the answered poll is closed');
        break;
      }
      // a 400 is an ordinary answer: its keep-alive connection may stay open for the next request
      assert.equal(answer.status, 400, `attempt ${attempt}: ${answer.status} ${answer.body}`);
      assert.match(answer.body, /Session ID unknown/);
    }
    assert.equal(answer.status, 200, 'a pending GET was answered by its session closing');
  });

  test('an official polling client that calls disconnect() lets its process exit', async () => {
    const run = await runClientProcess(node, `
      const socket = io(URL, { transports: ['polling'], reconnection: false, auth: { displayName: 'Leaver' } });
      socket.on('connect', () => { console.log('connected'); socket.disconnect(); });
      socket.on('connect_error', (e) => { console.log('connect_error', e.message); });
    `);
    assert.match(run.output, /connected/, run.output);
    assert.ok(run.exited, `the client process did not exit within 6 s:\n${run.output}`);
  });

  test('an official polling client refused at CONNECT sees connect_error and its process exits', async () => {
    const run = await runClientProcess(node, `
      const socket = io(URL, { transports: ['polling'], reconnection: false, auth: { token: 'not-a-jwt' } });
      socket.on('connect', () => console.log('connected'));
      socket.on('connect_error', (e) => console.log('connect_error', e.message, e.data?.code, typeof e.data?.message));
    `);
    assert.match(run.output, /connect_error AUTH_FAILED AUTH_FAILED string/, run.output);
    assert.ok(run.exited, `the client process did not exit within 6 s:\n${run.output}`);
  });
});

// Needs the refused CONNECT to close the engine session (PROTOCOL §8): a client that does not close its
// engine itself after connect_error is not held either.
describe('a refused CONNECT ends the engine session once connect_error was delivered (§8)', () => {
  test('polling: connect_error arrives, then the session is gone and its pending GET is answered', async () => {
    const session = await polling();
    await session.send(`40${JSON.stringify({ token: 'not-a-jwt' })}`);
    const refusal = await session.poll();
    assert.ok(refusal.body.startsWith('44'), refusal.body);
    assert.equal(JSON.parse(refusal.body.slice(2)).message, 'AUTH_FAILED', refusal.body);
    const pending = await session.startPoll();
    const answer = await pending.response(1, 3_000);
    assert.ok(answer.status === 200 ? answer.body === '1' : answer.status === 400,
      `the next poll gets the close packet or 400: ${answer.status} ${answer.body}`);
    const after = await session.poll();
    assert.equal(after.status, 400, `a poll after the close names an unknown session: ${after.status} ${after.body}`);
  });

  test('websocket: connect_error arrives, then the server closes the websocket', async () => {
    const raw = await openRaw(node);
    opened.push(raw);
    const answer = await raw.connectNamespace({ token: 'not-a-jwt' });
    assert.equal(answer.ok, false);
    assert.equal(answer.data.message, 'AUTH_FAILED');
    assert.equal(answer.data.data.code, 'AUTH_FAILED');
    let timer;
    const closed = await Promise.race([raw.closed.then(() => true),
      new Promise((r) => (timer = setTimeout(() => r(false), 3_000)))]);
    clearTimeout(timer);
    assert.ok(closed, 'the websocket is closed by the server after connect_error');
  });

  test('the official client retries after connect_error (socket.connect() again) on both transports', async () => {
    for (const transports of [['polling'], ['websocket']]) {
      const run = await runClientProcess(node, `
        let attempts = 0;
        const socket = io(URL, { transports: ${JSON.stringify(transports)}, reconnection: false,
          auth: (cb) => cb(attempts++ === 0 ? { token: 'not-a-jwt' } : { displayName: 'Retry' }) });
        socket.on('connect_error', (e) => { console.log('connect_error', e.message, e.data?.code); setTimeout(() => socket.connect(), 100); });
        socket.on('connect', () => { console.log('connected', socket.id); socket.disconnect(); });
      `, 8_000);
      assert.match(run.output, /connect_error AUTH_FAILED AUTH_FAILED/, `${transports}: ${run.output}`);
      assert.match(run.output, /connected \S+/, `${transports}: ${run.output}`);
      assert.ok(run.exited, `${transports}: the client process did not exit:\n${run.output}`);
    }
  });
});

describe('unknown sessions and protocol versions are refused at once (§8)', () => {
  const UNKNOWN = '00000000-0000-4000-8000-000000000000';
  const unknownSid = { code: 1, message: 'Session ID unknown' };

  test('a polling GET or POST naming an unknown sid gets 400 {code: 1}', async () => {
    for (const sid of [UNKNOWN, 'not-a-session-id', '']) {
      const path = `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
      const got = await once(node, get(path));
      assert.equal(got.status, 400, `GET sid=${sid}: ${got.status} ${got.body}`);
      assert.deepEqual(got.json, unknownSid);
      const posted = await once(node, post(path, '40{}'));
      assert.equal(posted.status, 400, `POST sid=${sid}: ${posted.status} ${posted.body}`);
      assert.deepEqual(posted.json, unknownSid);
    }
  });

  test('a session that ended is unknown too', async () => {
    const session = await connectedPolling();
    await session.send('41\x1e1');
    // the POST is answered before its packets are handled: a poll right after may still find the session and is
    // then answered with the close packet; from then on the sid is unknown
    const deadline = Date.now() + 2_000;
    let got;
    do {
      got = await once(node, get(`/socket.io/?EIO=4&transport=polling&sid=${session.sid}`), 2_000);
      assert.ok(got.status === 400 || got.body === '1', `${got.status} ${got.body}`);
    } while (got.status !== 400 && Date.now() < deadline);
    assert.equal(got.status, 400);
    assert.deepEqual(got.json, unknownSid);
  });

  test('a websocket upgrade naming an unknown sid gets 400 instead of 101', async () => {
    const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
      + 'Sec-WebSocket-Version: 13\r\n';
    const got = await once(node, get(`/socket.io/?EIO=4&transport=websocket&sid=${UNKNOWN}`, upgrade));
    assert.equal(got.status, 400, `${got.status} ${got.body}`);
    assert.deepEqual(got.json, unknownSid);
  });

  test('an unsupported EIO version gets 400 {code: 5}', async () => {
    for (const eio of ['99', '3', '']) {
      const got = await once(node, get(`/socket.io/?EIO=${eio}&transport=polling`));
      assert.equal(got.status, 400, `EIO=${eio}: ${got.status} ${got.body}`);
      assert.deepEqual(got.json, { code: 5, message: 'Unsupported protocol version' });
    }
    const missing = await once(node, get('/socket.io/?transport=polling'));
    assert.equal(missing.status, 400);
  });
});

/** Sends `paths` as GETs over `connections` keep-alive connections, one request at a time on each; returns the statuses. */
async function hammer(paths, connections = 8) {
  const statuses = new Map();
  let next = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    let http = new RawHttp(node);
    let answered = 0;
    try {
      while (next < paths.length) {
        const path = paths[next++];
        await http.send(get(path));
        const { status, headers } = await http.response(++answered, 5_000);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (headers.connection !== 'keep-alive') {
          // the server did not offer to keep the connection: go on with a new one
          http.destroy();
          http = new RawHttp(node);
          answered = 0;
        }
      }
    } finally {
      http.destroy();
    }
  }));
  return statuses;
}

describe('nothing is remembered for strangers', () => {
  test('10,000 made-up sids and 20,000 missing demo files leave no memory and no log line behind', async () => {
    const heapBefore = await heapAfterGc(node);
    const outputBefore = node.output().length;
    const sids = Array.from({ length: 10_000 }, () => `/socket.io/?EIO=4&transport=polling&sid=${randomUUID()}`);
    const sidStatuses = [...(await hammer(sids)).entries()];
    const files = Array.from({ length: 20_000 }, (_, i) => `/demo/missing-${i}-${randomUUID()}.js`);
    const fileStatuses = [...(await hammer(files)).entries()];
    const grown = (await heapAfterGc(node)) - heapBefore;
    const logged = node.output().slice(outputBefore).split('\n').filter((line) => /ERROR|WARN/.test(line));
    assert.ok(grown < 8 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MiB after GC`);
    assert.deepEqual(logged.slice(0, 3), [], `no log line for bogus requests (${logged.length} lines)`);
    assert.deepEqual(sidStatuses, [[400, 10_000]]);
    assert.deepEqual(fileStatuses, [[404, 20_000]]);
    const page = await once(node, get('/demo/app.js'));
    assert.equal(page.status, 200, 'an existing file is still served');
  });
});

describe('HTTP framing (§7)', () => {
  const host = newUser('Framing Host');
  const createHead = (extra) => `POST /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${host.token}\r\n`
    + `Content-Type: application/json\r\n${extra}\r\n`;
  const create = post('/api/rooms', '{}', `Authorization: Bearer ${host.token}\r\nContent-Type: application/json\r\n`)
    .replace('Content-Type: text/plain\r\n', '');

  const malformed = {
    'Content-Length and Transfer-Encoding': createHead('Content-Length: 2\r\nTransfer-Encoding: chunked\r\n') + '2\r\n{}\r\n0\r\n\r\n',
    'two different lengths': createHead('Content-Length: 2\r\nContent-Length: 3\r\n') + '{} ',
    'an unknown transfer coding': createHead('Transfer-Encoding: gzip, chunked\r\n') + '2\r\n{}\r\n0\r\n\r\n',
    'a bad header name': createHead('Bad Header: 1\r\nContent-Length: 2\r\n') + '{}',
  };

  for (const [what, text] of Object.entries(malformed)) {
    test(`a request with ${what} is answered 400, not executed, and its connection closed`, async () => {
      const http = new RawHttp(node);
      opened.push({ close: () => http.destroy() });
      // a valid request pipelined behind it must not run either
      await http.send(text + create);
      const answer = await http.response(1, 3_000);
      assert.equal(answer.status, 400, `${answer.status} ${answer.body}`);
      assert.equal(answer.json?.error?.code, 'INVALID_PAYLOAD', answer.body);
      assert.ok(await http.closesWithin(3_000), 'the connection is closed');
      assert.equal(http.responses.length, 1, `later requests were answered: ${JSON.stringify(http.responses.slice(1))}`);
    });
  }

  test('dropped malformed requests are counted by reason', async () => {
    const before = await metric(node, 'signaling_http_requests_dropped_total', 'reason="length_and_chunked"');
    const http = new RawHttp(node);
    opened.push({ close: () => http.destroy() });
    await http.send(malformed['Content-Length and Transfer-Encoding']);
    assert.equal((await http.response(1)).status, 400);
    const after = await metric(node, 'signaling_http_requests_dropped_total', 'reason="length_and_chunked"');
    assert.equal(after, before + 1);
  });

  test('a REST body over 64 KiB gets 413 with the JSON error body, with a length or chunked', async () => {
    const big = await request(node, 'POST', '/api/rooms', { token: host.token, raw: `{"name":"${'x'.repeat(10 * 1024 * 1024)}"}` });
    assert.equal(big.status, 413, `${big.status} ${big.text.slice(0, 200)}`);
    assert.equal(big.body?.error?.code, 'INVALID_PAYLOAD');
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent >= 40) controller.close();
        else {
          sent++;
          controller.enqueue(chunk);
        }
      },
    });
    const chunked = await fetch(`${node.url}/api/rooms`, {
      method: 'POST', body: stream, duplex: 'half',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(chunked.status, 413);
    assert.equal((await chunked.json()).error.code, 'INVALID_PAYLOAD');
  });

  test('a code segment that decodes to something that cannot be a code is 400', async () => {
    const got = await request(node, 'GET', '/api/rooms/code/abc%2Fdef');
    assert.equal(got.status, 400, `${got.status} ${got.text}`);
    assert.equal(got.body?.error?.code, 'INVALID_PAYLOAD');
  });
});

describe('pipelined responses leave in request order (§7, REST on Redis)', () => {
  let redis;
  let clustered;
  before(async () => {
    redis = await startRedis({ quiet: true });
    clustered = await startNode({ NODE_ID: 'conf-http-redis', REDIS_URL: redis.url, REDIS_PREFIX: randomPrefix() });
  });
  after(async () => {
    await clustered?.stop();
    await redis?.close?.();
  });

  test('twenty pipelined requests, slow and quick mixed, are answered in order', async () => {
    const user = newUser('Pipeline Host');
    const auth = `Authorization: Bearer ${user.token}\r\nContent-Type: application/json\r\n`;
    const requests = [];
    const expected = [];
    for (let i = 0; i < 10; i++) {
      requests.push(post('/api/rooms', JSON.stringify({ name: `room ${i}` }), auth).replace('Content-Type: text/plain\r\n', ''));
      expected.push(201);
      requests.push(get(`/socket.io/?EIO=4&transport=polling&sid=${randomUUID()}`));
      expected.push(400);
    }
    const http = new RawHttp(clustered);
    try {
      await http.send(requests.join(''));
      await http.response(requests.length, 10_000);
      assert.deepEqual(http.responses.map((r) => r.status), expected);
      assert.deepEqual(http.responses.filter((r) => r.status === 201).map((r) => r.json.name),
        Array.from({ length: 10 }, (_, i) => `room ${i}`));
    } finally {
      http.destroy();
    }
  });
});

describe('/demo security headers', () => {
  test('the demo page and its files carry CSP, X-Frame-Options, Referrer-Policy and nosniff', async () => {
    for (const path of ['/demo', '/demo/app.js', '/demo/style.css', '/demo/no-such-file.js']) {
      const got = await request(node, 'GET', path);
      const csp = got.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, `${path}: CSP ${csp}`);
      assert.match(csp, /script-src 'self'(;|$)/, `${path}: no inline or foreign scripts: ${csp}`);
      assert.match(csp, /frame-ancestors 'none'/, `${path}: ${csp}`);
      assert.equal(got.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(got.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(got.headers.get('x-content-type-options'), 'nosniff', path);
    }
  });
});

describe('DNS rebinding: the Host header does not make an origin trusted', () => {
  test('without CORS_ORIGINS an origin equal to the Host is refused; the loopback origins of the port pass', async () => {
    const rebound = `http://rebound.example.com:${node.port}`;
    const path = '/socket.io/?EIO=4&transport=polling';
    const refused = await once(node, get(path, `Origin: ${rebound}\r\n`).replace('Host: 127.0.0.1', `Host: rebound.example.com:${node.port}`));
    assert.equal(refused.status, 403, `${refused.status} ${refused.body}`);
    for (const origin of [`http://127.0.0.1:${node.port}`, `http://localhost:${node.port}`]) {
      const ok = await once(node, get(path, `Origin: ${origin}\r\n`));
      assert.equal(ok.status, 200, `${origin}: ${ok.status} ${ok.body}`);
      assert.equal(ok.headers['access-control-allow-origin'], origin);
    }
    const otherPort = await once(node, get(path, `Origin: http://127.0.0.1:${node.port + 1}\r\n`));
    assert.equal(otherPort.status, 403);
  });
});
