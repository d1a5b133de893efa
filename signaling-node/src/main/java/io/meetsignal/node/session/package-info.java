/** The sockets of this node: their identity, seat, limits, and the registry that finds them. */
package io.meetsignal.node.session;
