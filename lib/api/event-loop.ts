import { monitorEventLoopDelay } from "node:perf_hooks";
import { shared } from "../config/shared";

export interface EventLoopStats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How long the figures cover. */
  sinceMs: number;
}

/**
 * How long callbacks waited for the event loop (a request stalled by a synchronous read
 * shows here first), measured from the first call on, or from the last reset.
 */
export function eventLoopStats(reset = false): EventLoopStats {
  const state = shared("event-loop", () => {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    return { histogram, since: Date.now() };
  });
  const { histogram } = state;
  const toMs = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
  const stats = {
    p50Ms: histogram.count ? toMs(histogram.percentile(50)) : 0,
    p99Ms: histogram.count ? toMs(histogram.percentile(99)) : 0,
    maxMs: histogram.count ? toMs(histogram.max) : 0,
    sinceMs: Date.now() - state.since,
  };
  if (reset) {
    histogram.reset();
    state.since = Date.now();
  }
  return stats;
}
