/** Operations: metrics, health and readiness, the management port, and drain. */
package io.meetsignal.node.ops;
