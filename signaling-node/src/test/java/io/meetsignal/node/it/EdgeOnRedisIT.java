package io.meetsignal.node.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link EdgeContract} on a node on a real Redis (found like cluster-store's ITs find it). */
class EdgeOnRedisIT extends EdgeContract {

    @RegisterExtension
    static final SignalingNodeExtension NODE = configured(SignalingNodeExtension.onRedis());

    @Override
    SignalingNodeExtension node() {
        return NODE;
    }
}
