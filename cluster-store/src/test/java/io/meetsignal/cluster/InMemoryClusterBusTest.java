package io.meetsignal.cluster;

import io.meetsignal.cluster.memory.InMemoryClusterBus;

@ClusterBusContract.SingleNode
class InMemoryClusterBusTest extends ClusterBusContract {

    @Override
    protected ClusterBus newBus() {
        return new InMemoryClusterBus();
    }

    @Override
    protected ClusterBus newBusWithLogCap(int cap) {
        return new InMemoryClusterBus(java.time.Clock.systemUTC(), java.time.Duration.ofSeconds(60), cap);
    }

    @Override
    protected ClusterBus newBusWithLogBytes(long maxBytes) {
        return new InMemoryClusterBus(java.time.Clock.systemUTC(), java.time.Duration.ofSeconds(60), 10_000, maxBytes);
    }
}
