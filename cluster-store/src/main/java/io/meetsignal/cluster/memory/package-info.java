/** In-memory adapters: one node alone, and unit tests. */
package io.meetsignal.cluster.memory;
