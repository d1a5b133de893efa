/**
 * The Socket.IO edge on netty-socketio: our packet handler (handshake auth, events, limits), the
 * polling flush fix, the origin allow-list, and the REST API on the same port.
 */
package io.meetsignal.node.edge;
