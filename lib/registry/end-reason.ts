// Why a record ended (SPEC "The end record"): one decision for the workstation's records, which
// its agent reports to the hub as they are. Free of Node APIs.

import type { ListedProcess } from "./types";

export const END_KINDS = ["exit", "stopped", "signal", "out-of-memory", "pattern"] as const;
export type EndKind = (typeof END_KINDS)[number];

export interface EndReason {
  kind: EndKind;
  /** In words, as the detail page and the alerts say it. */
  text: string;
  /** `pattern`: the name of the pattern that matched. */
  pattern?: string;
  /** `pattern`: the output line it matched. */
  line?: string;
}

/** The reason of an ended record whose end was not looked at (a record of another launcher, or from before end records): its code or signal alone. */
export function basicEndReason(p: { exitCode: number | null; exitSignal: string | null; stopSignal: string | null }): EndReason | null {
  return decideEndReason({ ...p, oomMoved: false, matched: null });
}

/** What is known of an end when its reason is decided. */
export interface EndFacts {
  exitCode: number | null;
  exitSignal: string | null;
  /** The strongest signal a stop of ours sent; set when the end was ours. */
  stopSignal: string | null;
  /** Whether the kernel's out-of-memory killer killed something while it ran (the machine's counter, or its memory cgroup's). */
  oomMoved: boolean;
  /** The first end pattern found in the last lines of its output. */
  matched: { pattern: string; line: string } | null;
}

/**
 * A stop of ours first (whatever it printed as it went); then a SIGKILL we did not send while the
 * OOM killer acted; then a known line in its last output, for an end that was not clean; then the
 * signal or the code. Null when nothing is known of the end (a record of another launcher).
 */
export function decideEndReason(facts: EndFacts): EndReason | null {
  const { exitCode, exitSignal, stopSignal, oomMoved, matched } = facts;
  if (stopSignal) return { kind: "stopped", text: `Stopped by user (${stopSignal})` };
  if (exitSignal === "SIGKILL" && oomMoved) return { kind: "out-of-memory", text: "Killed by the out-of-memory killer" };
  const failed = exitSignal !== null || (exitCode !== null && exitCode !== 0);
  if (failed && matched)
    return { kind: "pattern", text: `${matched.pattern}: ${matched.line}`, pattern: matched.pattern, line: matched.line };
  if (exitSignal !== null) return { kind: "signal", text: `Killed by ${exitSignal}` };
  if (exitCode !== null) return { kind: "exit", text: `Exited with code ${exitCode}` };
  return null;
}

/** A record's reason once it ended: as decided at its end, else from its code or signal alone; null while it runs. */
export function endReasonOf(record: Pick<ListedProcess, "status" | "end" | "exitCode" | "exitSignal" | "stopSignal">): EndReason | null {
  if (record.status !== "stopped") return null;
  const stored = record.end?.endReason;
  if (stored && (END_KINDS as readonly string[]).includes(stored.kind)) return { ...stored, kind: stored.kind as EndKind };
  return basicEndReason(record);
}
