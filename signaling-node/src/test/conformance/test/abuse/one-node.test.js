// Abuse suite, one node on Redis (PROTOCOL.md §7, §8): non-reading flooders, packed frames, join-room
// repeated without reading, a flood with pauses and repeated CONNECTs with a pid. Bounded in count and time.
import { after, before, test } from 'node:test';
import { HEAP_LIMIT } from '../../lib/abuse.js';
import { assertHeldUp, assertNothingLeft, redisKeys, runAttack, setUp, watchSlowCalls } from '../../lib/abuse-scenario.js';
import { closeAllPeers } from '../../lib/peer.js';
import { randomPrefix, startRedis } from '../../lib/redis.js';
import { startNode } from '../../lib/server.js';

let redis;
let node;
const prefix = randomPrefix();

before(async () => {
  redis = await startRedis();
  node = await startNode({
    NODE_ID: 'abuse-one',
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    RECOVERY_WINDOW: '3s',
    JAVA_TOOL_OPTIONS: HEAP_LIMIT,
  });
});
after(async () => {
  await closeAllPeers();
  await node?.stop();
  await redis?.close();
});

test('one node holds up against hostile clients and keeps nothing of them', { timeout: 110_000 }, async () => {
  const setup = await setUp([node]);
  const keysBefore = await redisKeys(redis, prefix);
  await watchSlowCalls(redis);
  const figures = await runAttack(node, node, setup);
  assertHeldUp('one node', figures);
  await assertNothingLeft([node], setup, { redis, prefix, keysBefore });
});
