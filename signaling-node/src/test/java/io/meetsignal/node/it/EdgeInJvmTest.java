package io.meetsignal.node.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link EdgeContract} on a node with the in-memory store. */
class EdgeInJvmTest extends EdgeContract {

    @RegisterExtension
    static final SignalingNodeExtension NODE = configured(SignalingNodeExtension.inMemory());

    @Override
    SignalingNodeExtension node() {
        return NODE;
    }
}
