/**
 * Operations: metrics, health and readiness, the management port, event-loop lag, and admission under overload.
 * (Drain is {@link io.meetsignal.node.SignalingNode#drainAndClose}: it needs the node's sessions.)
 */
package io.meetsignal.node.ops;
