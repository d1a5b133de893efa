// Graceful shutdown (PROTOCOL.md §8): SIGTERM makes the node unready at once, refuses new handshakes,
// closes its clients' transports (never a Socket.IO disconnect, so the clients reconnect by themselves)
// spread over DRAIN_SECONDS, and exits 0.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { closeAllPeers, guest } from '../lib/peer.js';
import { startNode } from '../lib/server.js';

afterEach(closeAllPeers);

describe('drain on SIGTERM', () => {
  test('readyz turns 503 at once, clients lose only their transport, and the process exits 0', async () => {
    const node = await startNode({ DRAIN_SECONDS: '2' });
    try {
      const peers = [
        await guest(node, 'Ws', { transports: ['websocket'] }),
        await guest(node, 'Poll', { transports: ['polling'] }),
        await guest(node, 'Default'),
      ];
      const reasons = peers.map((peer) => peer.disconnected(6_000));
      const started = Date.now();
      process.kill(node.pid, 'SIGTERM');

      let ready = 200;
      while (ready === 200 && Date.now() - started < 1_000) {
        ready = (await fetch(`${node.mgmtUrl}/readyz`).catch(() => ({ status: 0 }))).status;
      }
      assert.equal(ready, 503, 'readyz must turn 503 right after SIGTERM');
      const handshake = await fetch(`${node.url}/socket.io/?EIO=4&transport=polling`).catch(() => null);
      assert.ok(handshake === null || handshake.status === 503, `new handshake got ${handshake?.status}`);

      for (const reason of await Promise.all(reasons)) {
        assert.equal(reason, 'transport close', 'a transport close lets socket.io-client reconnect by itself');
      }
      const exit = await Promise.race([node.exited, new Promise((r) => setTimeout(() => r(null), 7_000 + 2_000))]);
      assert.ok(exit, 'the node must exit within DRAIN_SECONDS + 5 s');
      assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
    } finally {
      await node.stop(1_000);
    }
  });
});
