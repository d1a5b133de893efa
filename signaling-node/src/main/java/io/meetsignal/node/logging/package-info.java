/** Logback converters that keep every log line one line: no client value can start a line of its own. */
package io.meetsignal.node.logging;
