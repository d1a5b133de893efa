/**
 * The sockets of this node: their identity, seat, limits, the lane that runs one socket's work in order, and the
 * registry that finds them.
 */
package io.meetsignal.node.session;
