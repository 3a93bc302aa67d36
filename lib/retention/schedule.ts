import { formatBytes } from "../format";
import type { RetentionOutcome } from "./apply";
import type { RetentionPolicy } from "./policy";
import { shared } from "../config/shared";
import { describePolicy, policyFromEnv } from "./policy";

export interface LastPass {
  at: number;
  deleted: number;
  bytes: number;
  tookMs: number;
  error: string | null;
}

const HOUR = 3_600_000;

/** What a pass runs on: the workstation's door (retention knows its rule, not the door). */
export interface RetentionTarget {
  applyRetention(policy: RetentionPolicy): Promise<RetentionOutcome>;
}
const state = shared("retention-schedule", () => ({ last: null as LastPass | null, timer: null as ReturnType<typeof setInterval> | null }));

/** One automatic pass with the configured policy; the result goes to the server log and the list page. */
export async function runRetentionPass(processes: RetentionTarget): Promise<LastPass> {
  const at = Date.now();
  try {
    const policy = policyFromEnv();
    const outcome = await processes.applyRetention(policy);
    const deleted = outcome.result?.deleted ?? 0;
    const bytes = outcome.plan.removeBytes;
    state.last = { at, deleted, bytes, tookMs: outcome.tookMs, error: null };
    const left = outcome.result?.filesLeftAlone.length
      ? `; left ${outcome.result.filesLeftAlone.length} files outside the output folder alone`
      : "";
    console.log(
      `process-monitor: retention (${describePolicy(policy)}): removed ${deleted} stopped record${deleted === 1 ? "" : "s"} and ${formatBytes(bytes)} of output in ${Math.round(outcome.tookMs)} ms${left}; output folder ${formatBytes(outcome.plan.outputTotalBytes - bytes)}.`,
    );
  } catch (error) {
    state.last = { at, deleted: 0, bytes: 0, tookMs: Date.now() - at, error: (error as Error).message };
    console.error(`process-monitor: retention pass failed: ${(error as Error).message}`);
  }
  return state.last;
}

/** At start and hourly (SPEC "Retention"); the timer never keeps the process alive. */
export function startRetentionSchedule(processes: RetentionTarget): void {
  if (state.timer) return;
  state.timer = setInterval(() => void runRetentionPass(processes), HOUR);
  state.timer.unref?.();
  void runRetentionPass(processes);
}

export function lastRetentionPass(): LastPass | null {
  return state.last;
}
