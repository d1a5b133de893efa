// Several signaling nodes on one Redis, for the multi-node tests (test/cluster/) and benchmarks.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seat } from './fixtures.js';
import { newUser } from './jwt.js';
import { guest, member } from './peer.js';
import { randomPrefix, startRedis } from './redis.js';
import { createRoom } from './rest.js';
import { startNode } from './server.js';

/** Lifts the per-socket rate limits (ordering tests and benchmarks send thousands of signals at once). */
export const NO_RATE_LIMIT = Object.freeze({
  RATE_LIMIT_EVENTS_PER_SEC: '100000',
  RATE_LIMIT_BURST: '100000',
});

/**
 * Starts a Redis (lib/redis.js; `controllable` for files that stop and start it) and `nodes` signaling
 * nodes on it, all with one random REDIS_PREFIX and the NODE_IDs `<name>-1`, `<name>-2`, ...
 * Resolves with `{ redis, prefix, nodes, env, addNode(), stop() }`.
 */
export async function startCluster({ name = 'cluster', nodes = 3, env = {}, controllable = false } = {}) {
  const redis = await startRedis({ controllable });
  const prefix = randomPrefix();
  const shared = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, ...env };
  const started = [];
  let counter = 0;
  const cluster = {
    redis,
    prefix,
    env: shared,
    nodes: started,
    /** Starts one more node on the same Redis (with `extra` environment entries). */
    async addNode(extra = {}) {
      counter += 1;
      const node = await startNode({ NODE_ID: `${name}-${counter}`, ...shared, ...extra });
      started.push(node);
      return node;
    },
    /** Stops every node still running, then Redis; with $CLUSTER_LOG_DIR set, keeps each node's output there. */
    async stop() {
      await Promise.all(started.map((node) => node.stop(3_000)));
      await redis.close();
      const dir = process.env.CLUSTER_LOG_DIR;
      if (dir) {
        mkdirSync(dir, { recursive: true });
        for (const node of started) writeFileSync(join(dir, `${node.nodeId}.log`), node.output());
      }
    },
  };
  try {
    // one after another: each JVM start takes most of the two cores for a moment
    for (let i = 0; i < nodes; i++) await cluster.addNode();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/**
 * Calls `probe` until it resolves without throwing (its value is returned) or `timeoutMs` passed, then
 * rethrows the last failure with `what` in front.
 */
export async function eventually(what, probe, { timeoutMs = 10_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      last.message = `${what}: not within ${timeoutMs} ms: ${last.message}`;
      throw last;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits for every promise, or fails after `timeoutMs` naming `what`. */
export async function within(what, timeoutMs, promise) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asserts that two lists hold the same elements, order ignored. */
export function assertSameSet(actual, expected, what) {
  assert.deepEqual([...actual].sort(), [...expected].sort(), what);
}

/**
 * A meeting spread over nodes: a room created over REST on `hostNode` by a new authenticated host, the
 * host seated from `hostNode`, then one guest per `[name, node]` of `guests` (or `{ name, node, user?, options? }`,
 * `user` for an authenticated member, `options` for that connection only), each seated after the one before it was seen by everyone. Every inbox is
 * empty when it resolves. Resolves with `{ room, hostUser, host, guests, everyone }`.
 */
export async function spreadMeeting(hostNode, { settings = {}, guests = [], hostName = 'Host', options = {} } = {}) {
  const hostUser = newUser(hostName);
  const room = await createRoom(hostNode, hostUser, settings);
  const host = await member(hostNode, hostUser, options);
  const { joined } = await host.join(room.code);
  assert.equal(joined.isHost, true, 'the creator must be host');
  const everyone = [host];
  const seated = [];
  for (const spec of guests) {
    const { name, node, user, options: own = {} } = Array.isArray(spec) ? { name: spec[0], node: spec[1] } : spec;
    const peer = user ? await member(node, user, { ...options, ...own }) : await guest(node, name, { ...options, ...own });
    peer.node = node;
    await seat(peer, room.code, everyone);
    everyone.push(peer);
    seated.push(peer);
  }
  host.node = hostNode;
  for (const peer of everyone) peer.clear();
  return { room, hostUser, host, guests: seated, everyone };
}
