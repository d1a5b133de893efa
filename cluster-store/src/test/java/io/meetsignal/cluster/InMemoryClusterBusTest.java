package io.meetsignal.cluster;

import io.meetsignal.cluster.memory.InMemoryClusterBus;

@ClusterBusContract.SingleNode
class InMemoryClusterBusTest extends ClusterBusContract {

    @Override
    protected ClusterBus newBus() {
        return new InMemoryClusterBus();
    }
}
