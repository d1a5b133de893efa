// What the benchmarks share: a socket.io-client connection that resolves once connected, the CPU a process used
// (from /proc), and percentiles and medians.
import { readFileSync } from 'node:fs';
import { io } from 'socket.io-client';

/** A websocket-only client of `url` with `auth`, without reconnection; rejects on connect_error or after 10 s. */
export function connectSocket(url, auth, label = url) {
  return new Promise((resolveConnect, rejectConnect) => {
    const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth });
    const timer = setTimeout(() => rejectConnect(new Error(`${label}: no connect within 10 s`)), 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolveConnect(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      rejectConnect(error);
    });
  });
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process in ms, from /proc/<pid>/stat (0 when it is gone). */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The `q` quantile of an ascending array (NaN when empty). */
export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The median of the finite values (NaN when none). */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
