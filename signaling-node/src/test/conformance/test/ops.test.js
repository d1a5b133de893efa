// PROTOCOL §1 management port and CORS, §10 configuration.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertOk } from '../lib/assertions.js';
import { meeting } from '../lib/fixtures.js';
import { closeAllPeers, connect, guest, refused } from '../lib/peer.js';
import { management } from '../lib/rest.js';
import { startNode, startNodeExpectingFailure } from '../lib/server.js';

const APP_ORIGIN = 'https://app.example.com';
const EVIL_ORIGIN = 'https://evil.example.com';

let node;

before(async () => {
  node = await startNode({ NODE_ID: 'conf-ops-1', CORS_ORIGINS: `${APP_ORIGIN},https://other.example.com` });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

/** Parses Prometheus text into { name → [{ labels, value }] } (no label escaping needed here). */
function parseMetrics(text) {
  const metrics = new Map();
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    const [, name, labels = '', value] = match;
    if (!metrics.has(name)) metrics.set(name, []);
    metrics.get(name).push({ labels, value: Number(value) });
  }
  return metrics;
}

const sum = (metrics, name) => (metrics.get(name) ?? []).reduce((total, s) => total + s.value, 0);

async function scrape() {
  const response = await management(node, '/metrics');
  assert.equal(response.status, 200);
  return { response, metrics: parseMetrics(response.text) };
}

describe('management port', () => {
  test('the ready line names the configured node id', () => {
    assert.equal(node.nodeId, 'conf-ops-1');
    assert.notEqual(node.managementPort, node.port);
  });

  test('healthz and readyz answer 200', async () => {
    assert.equal((await management(node, '/healthz')).status, 200);
    assert.equal((await management(node, '/readyz')).status, 200);
  });

  test('metrics are Prometheus text with the required metric names', async () => {
    const { room, host } = await meeting(node, { guests: ['Metered'] });
    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'count me' }));
    const { response, metrics } = await scrape();
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    for (const name of [
      'signaling_sockets_connected',
      'signaling_participants_seated',
      'signaling_rooms_active',
      'signaling_events_received_total',
      'signaling_events_sent_total',
      'signaling_errors_total',
      'signaling_handler_seconds_bucket',
      'signaling_event_loop_lag_milliseconds',
      'signaling_handshakes_admitted_rate',
    ]) {
      assert.ok(metrics.has(name), `metric ${name} missing`);
    }
    assert.match(response.text, /# TYPE signaling_handler_seconds histogram/);
    // an idle node keeps up and sheds nobody
    assert.ok(sum(metrics, 'signaling_event_loop_lag_milliseconds') < 500);
    assert.match(response.text, /^signaling_handshakes_admitted_rate \+Inf$/m);
  });

  /** Waits until no socket of an earlier test is counted any more. */
  async function quiet() {
    const deadline = Date.now() + 5_000;
    let metrics;
    do {
      metrics = (await scrape()).metrics;
      if (sum(metrics, 'signaling_sockets_connected') === 0 && sum(metrics, 'signaling_participants_seated') === 0) return metrics;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    assert.fail(`sockets still counted after all peers closed: ${sum(metrics, 'signaling_sockets_connected')}`);
  }

  test('gauges and counters follow what happens', async () => {
    const before = await quiet();
    const { room, host, guests } = await meeting(node, { guests: ['One', 'Two'] });
    const lobby = await guest(node, 'Lobby');
    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'tick' }));
    const refused = await lobby.ack('chat-message', { roomId: room.id, content: 'nope' });
    assert.equal(refused.code, 'NOT_IN_ROOM');
    const during = (await scrape()).metrics;
    assert.ok(sum(during, 'signaling_rooms_active') >= sum(before, 'signaling_rooms_active') + 1);
    assert.ok(sum(during, 'signaling_events_received_total') >= sum(before, 'signaling_events_received_total') + 5);
    assert.ok(sum(during, 'signaling_events_sent_total') > sum(before, 'signaling_events_sent_total'));
    assert.ok(sum(during, 'signaling_errors_total') >= sum(before, 'signaling_errors_total') + 1);
    assert.equal(sum(during, 'signaling_sockets_connected'), 4);
    assert.equal(sum(during, 'signaling_participants_seated'), 3);
    for (const peer of [host, ...guests, lobby]) peer.close();
    await quiet(); // both gauges return to zero
  });
});

describe('CORS', () => {
  const handshake = (headers) =>
    fetch(`${node.url}/socket.io/?EIO=4&transport=polling`, { headers, signal: AbortSignal.timeout(5_000) });

  test('a handshake from an allowed origin succeeds and echoes exactly that origin', async () => {
    const response = await handshake({ origin: APP_ORIGIN });
    const body = await response.text();
    assert.equal(response.status, 200, body);
    assert.ok(body.startsWith('0{'));
    assert.equal(response.headers.get('access-control-allow-origin'), APP_ORIGIN);
  });

  test('a handshake from an origin that is not listed is refused', async () => {
    const response = await handshake({ origin: EVIL_ORIGIN });
    await response.text();
    assert.ok(response.status < 200 || response.status >= 300, `expected a refusal, got ${response.status}`);
    assert.notEqual(response.headers.get('access-control-allow-origin'), EVIL_ORIGIN);
    assert.notEqual(response.headers.get('access-control-allow-origin'), '*');
  });

  test('a handshake without an Origin header is accepted', async () => {
    const response = await handshake({});
    assert.equal(response.status, 200);
    assert.ok((await response.text()).startsWith('0{'));
    const peer = await connect(node, { auth: { displayName: 'Node Client' } });
    assert.ok(peer.connected);
  });

  test('a websocket client from a listed origin connects and one from another origin does not', async () => {
    const ok = await connect(node, { auth: { displayName: 'App' }, transports: ['websocket'], extraHeaders: { origin: APP_ORIGIN } });
    assert.ok(ok.connected);
    await assert.rejects(
      connect(node, { auth: { displayName: 'Evil' }, transports: ['websocket'], extraHeaders: { origin: EVIL_ORIGIN } }),
      'a websocket handshake from an unlisted origin must fail',
    );
  });
});

describe('CORS wildcard', () => {
  test('CORS_ORIGINS=* set explicitly grants any origin', async () => {
    const open = await startNode({ NODE_ID: 'conf-ops-cors-any', CORS_ORIGINS: '*' });
    try {
      const response = await fetch(`${open.url}/socket.io/?EIO=4&transport=polling`, {
        headers: { origin: 'https://anyone.example.org' },
        signal: AbortSignal.timeout(5_000),
      });
      assert.equal(response.status, 200);
      assert.ok((await response.text()).startsWith('0{'));
      assert.ok(
        ['*', 'https://anyone.example.org'].includes(response.headers.get('access-control-allow-origin')),
        `Access-Control-Allow-Origin: ${response.headers.get('access-control-allow-origin')}`,
      );
    } finally {
      await open.stop();
    }
  });
});

describe('a node that takes nobody new (PROTOCOL §2, §7)', () => {
  let full;
  before(async () => {
    full = await startNode({ NODE_ID: 'conf-ops-full', MAX_CONNECTIONS: '1' });
  });
  after(async () => {
    await closeAllPeers();
    await full?.stop();
  });

  // the same answer as for an overloaded node or a full heap (ops/Admission): the client sees the code
  test('refuses the handshake as connect_error UNAVAILABLE with { code, message }, and keeps who it holds', async () => {
    const first = await guest(full, 'First');
    for (const transports of [['polling', 'websocket'], ['websocket']]) {
      const error = await refused(full, { auth: { displayName: 'Second' }, transports });
      assert.equal(error.message, 'UNAVAILABLE', transports.join('+'));
      assert.equal(error.data?.code, 'UNAVAILABLE');
      assert.match(error.data?.message ?? '', /full/);
    }
    assert.ok(first.connected);
    const answer = await first.ack('leave-room', { roomId: 'none' }); // still served: an error ack, not silence
    assert.equal(answer.success, false);
  });
});

describe('configuration', () => {
  const refusedConfigs = [
    ['PORT', { PORT: 'not-a-port' }],
    ['MAX_PACKET_BYTES', { MAX_PACKET_BYTES: '-5' }],
    ['JWT_SECRET', { JWT_SECRET: 'too-short' }],
    ['ALLOW_GUESTS', { ALLOW_GUESTS: 'perhaps' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'xml' }],
    ['OVERLOAD_LAG_MS', { OVERLOAD_LAG_MS: 'soon' }],
  ];
  for (const [variable, env] of refusedConfigs) {
    test(`a bad ${variable} stops the node at start with a message naming it`, async () => {
      const result = await startNodeExpectingFailure(env);
      assert.notEqual(result.code, 0, `exit code ${result.code}`);
      assert.match(result.output, new RegExp(variable), `output must name ${variable}:\n${result.output.slice(-2000)}`);
    });
  }
});

describe('ports', () => {
  test('a port that is already bound stops the node with a message naming it', async () => {
    const first = await startNode();
    try {
      const result = await startNodeExpectingFailure({ PORT: String(first.port) });
      assert.notEqual(result.code, 0, `exit code ${result.code}`);
      assert.match(result.output, new RegExp(`cannot bind port ${first.port}`),
        `output must say which port:\n${result.output.slice(-2000)}`);
      const health = await fetch(`${first.mgmtUrl}/healthz`);
      assert.equal(health.status, 200, 'the node that holds the port is undisturbed');
    } finally {
      await first.stop();
    }
  });
});
