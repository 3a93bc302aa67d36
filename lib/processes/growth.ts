import { policyFromEnv } from "../retention/policy";
import type { ProcessView } from "./status";
import { shared } from "../config/shared";

const GIB = 1024 ** 3;
const samples = shared("output-growth", () => new Map<string, { size: number; at: number; rate: number | null }>());

/**
 * How big a running record's output may get before it is flagged as a runaway log: a
 * quarter of the output folder's limit, at most 1 GiB. Retention never deletes a running
 * record's output, so a person has to look.
 */
export function runawayThreshold(): number {
  let limit: number | null = null;
  try {
    limit = policyFromEnv().maxOutputBytes;
  } catch {
    /* a bad setting is reported by the retention pass */
  }
  return limit === null ? GIB : Math.min(GIB, Math.floor(limit / 4));
}

/** Bytes per second an output file grew since it was last seen at least 10 s ago (per server). */
export function growthRate(hash: string, size: number, now = Date.now()): number | null {
  const previous = samples.get(hash);
  if (!previous || size < previous.size) {
    samples.set(hash, { size, at: now, rate: null });
    if (samples.size > 10_000) samples.delete(samples.keys().next().value!);
    return null;
  }
  if (now - previous.at < 10_000) return previous.rate;
  const rate = (size - previous.size) / ((now - previous.at) / 1000);
  samples.set(hash, { size, at: now, rate });
  return rate;
}

/** Marks a running record whose output alone is huge, with how fast it grows. */
export function flagRunaway(view: ProcessView, threshold = runawayThreshold()): void {
  if (view.outputSize === null || view.status === "stopped") return;
  view.outputGrowth = growthRate(view.hash, view.outputSize);
  view.runawayOutput = view.outputSize >= threshold;
}
