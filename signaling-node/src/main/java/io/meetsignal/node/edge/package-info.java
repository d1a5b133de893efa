/**
 * The Socket.IO edge on netty-socketio: our packet handler with its steps (the packet parser, the handshake,
 * the event router and the decorators around its handlers), the polling flush fix, the origin allow-list, and
 * the REST API with its route table on the same port.
 */
package io.meetsignal.node.edge;
