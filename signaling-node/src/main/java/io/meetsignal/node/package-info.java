/** The signaling node: {@code main} and the wiring of one node. */
package io.meetsignal.node;
