/** Configuration parsed once from the environment into records; every bad value is reported at start. */
package io.meetsignal.node.config;
