package io.meetsignal.cluster;

import io.meetsignal.cluster.memory.InMemoryClusterStore;

class InMemoryClusterStoreTest extends ClusterStoreContract {

    @Override
    protected ClusterStore newStore() {
        return new InMemoryClusterStore();
    }
}
