// The warm-up a node runs against itself before /readyz reports it ready (README "Configuration", WARMUP):
// not ready while it runs, ready after it, every warm-up signal relayed, nothing of it left behind.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { guest } from '../lib/peer.js';
import { randomPrefix, startRedis } from '../lib/redis.js';
import { management } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

const WARMUP_LINE = /Warm-up: (\d+) sockets relayed (\d+) of (\d+) signals/;

/** Polls /readyz until 200; resolves with the statuses seen before it and the time it took. */
async function untilReady(node, timeoutMs = 30_000) {
  const started = Date.now();
  const seen = [];
  while (Date.now() - started < timeoutMs) {
    const { status } = await management(node, '/readyz');
    if (status === 200) return { seen, ms: Date.now() - started };
    seen.push(status);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready within ${timeoutMs} ms (saw ${seen.length} answers)\n${node.output().slice(-4000)}`);
}

function gauge(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `metric ${name} missing`);
  return Number(line.split(' ')[1]);
}

/** Waits until the node holds no socket, seat or room any more (the warm-up's sockets close after its room ended). */
async function nothingLeft(node) {
  let text = '';
  for (let i = 0; i < 50; i++) {
    text = (await management(node, '/metrics')).text;
    if (
      gauge(text, 'signaling_sockets_connected') === 0 &&
      gauge(text, 'signaling_participants_seated') === 0 &&
      gauge(text, 'signaling_rooms_active') === 0 &&
      gauge(text, 'signaling_sessions_detached') === 0
    ) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the warm-up left state behind:\n${text.split('\n').filter((l) => /^signaling_(sockets|participants|rooms|sessions)/.test(l)).join('\n')}`);
}

function warmupFigures(node) {
  const match = WARMUP_LINE.exec(node.output());
  assert.ok(match, `no warm-up line in the node's output:\n${node.output().slice(-4000)}`);
  return { sockets: Number(match[1]), received: Number(match[2]), sent: Number(match[3]) };
}

describe('warm-up before ready', () => {
  const nodes = [];
  let redis;
  after(async () => {
    for (const node of nodes) await node.stop();
    await redis?.close();
  });

  test('a node is not ready while it warms up, then ready with every signal relayed and nothing left', async () => {
    const node = await startNode({ NODE_ID: 'conf-warmup-1', WARMUP: '2s' });
    nodes.push(node);
    const { seen, ms } = await untilReady(node);
    assert.ok(seen.length > 0 && seen.every((s) => s === 503), `503 before ready (saw ${seen.join(',')})`);
    assert.ok(ms >= 1_500, `ready after the warm-up, not before (${ms} ms)`);
    const figures = warmupFigures(node);
    assert.equal(figures.sockets, 40);
    assert.ok(figures.sent > 1_000, `the warm-up relayed realistic traffic (${figures.sent} signals)`);
    assert.equal(figures.received, figures.sent, 'every warm-up signal arrived');
    await nothingLeft(node);
    // the node serves as usual afterwards
    const peer = await guest(node, 'After');
    assert.ok(peer.id);
    peer.close();
  });

  test('without guests it uses tokens of its own, and it stays inside the per-address connection limit', async () => {
    const node = await startNode({
      NODE_ID: 'conf-warmup-2',
      WARMUP: '1s',
      ALLOW_GUESTS: 'false',
      MAX_CONNECTIONS_PER_IP: '10',
    });
    nodes.push(node);
    await untilReady(node);
    const figures = warmupFigures(node);
    assert.equal(figures.sockets, 4, 'at most half the per-address limit, in pairs');
    assert.ok(figures.sent > 0);
    assert.equal(figures.received, figures.sent);
    await nothingLeft(node);
  });

  test('on Redis, the warm-up room ends and no seat of it stays in the shared state', async () => {
    redis = await startRedis();
    const prefix = randomPrefix();
    const node = await startNode({ NODE_ID: 'conf-warmup-3', WARMUP: '1s', REDIS_URL: redis.url, REDIS_PREFIX: prefix });
    nodes.push(node);
    await untilReady(node);
    const figures = warmupFigures(node);
    assert.equal(figures.received, figures.sent);
    await nothingLeft(node);
    const keys = (await redis.cli('KEYS', `${prefix}*`)) ?? [];
    const seats = keys.filter((key) => /:(seats|order|users|waiting|queue|places)$|:socket:/.test(key));
    assert.ok(keys.some((key) => /:room:[^:]+$/.test(key)), `the ended room's record is there (${keys.join(', ')})`);
    assert.deepEqual(seats, [], `keys of the warm-up's sockets left in Redis: ${keys.join(', ')}`);
  });

  test('WARMUP=0 reports ready at once and starts no warm-up', async () => {
    const node = await startNode({ NODE_ID: 'conf-warmup-4', WARMUP: '0' });
    nodes.push(node);
    const { seen } = await untilReady(node);
    assert.ok(seen.length <= 1, `ready at once (saw ${seen.join(',')})`);
    assert.doesNotMatch(node.output(), WARMUP_LINE);
  });
});
