// Display types and labels, free of Node APIs: client components import this.
import { exitCodeText } from "../text/windows";
import type { ProcessView } from "./view-schema";

export { MAX_GRACE_SECONDS, STOP_GRACE_SECONDS } from "../launcher/grace";

export type { DisplayStatus, ProcessView } from "./view-schema";

/** The recorded process itself runs (or runs as far as anyone can tell: another user's). */
export function isAlive(view: { status: string }): boolean {
  return view.status === "running" || view.status === "unverified";
}

/** It, or children it left, still run: what "running" counts and filters mean. */
export function isActive(view: { status: string }): boolean {
  return view.status !== "stopped";
}

/**
 * An end that counts as a failure (a crash): a non-zero code, or a signal we did not send (a stop
 * of ours is not one). The `failed` filter, the fleet's crash counts and crash alerts all ask here.
 */
export function isCrash(end: { exitCode: number | null; exitSignal: string | null; stopSignal: string | null }): boolean {
  if (end.stopSignal) return false;
  return (end.exitCode !== null && end.exitCode !== 0) || end.exitSignal !== null;
}

/** A record that ended in failure (what `status=failed` lists). */
export function hasFailed(view: {
  status: string;
  exitCode: number | null;
  exitSignal: string | null;
  stopSignal: string | null;
}): boolean {
  return !isActive(view) && isCrash(view);
}

/** Arguments a page row carries (a list row shows none; search runs on the server). */
export const ROW_ARGS = 20;
/** Arguments the detail page shows before "all of them". */
export const DETAIL_ARGS = 1_000;

/**
 * The view as a page sends it to the browser: at most `maxArgs` arguments, with the count. A
 * record with a million arguments (a generated command line) must not make a page megabytes
 * long for everyone who opens the list.
 */
export function shownView<T extends ProcessView>(view: T, maxArgs: number): T {
  if (view.args.length <= maxArgs) return view;
  return { ...view, args: view.args.slice(0, maxArgs), argCount: view.args.length };
}

/** The one wording of a status, for pages, the CLI and page titles alike. */
export function statusText(
  view: Pick<ProcessView, "status" | "exitCode" | "exitSignal" | "stopSignal"> & {
    liveChildren?: number;
    endReason?: ProcessView["endReason"];
  },
): string {
  const base = baseStatusText(view);
  // An end worth telling apart at a glance (SPEC "The end record").
  if (view.status === "stopped" && view.endReason?.kind === "out-of-memory") return `out of memory (${base})`;
  if (view.status === "stopped" && view.endReason?.kind === "pattern") return `${base} · ${view.endReason.pattern}`;
  return base;
}

function baseStatusText(view: Pick<ProcessView, "status" | "exitCode" | "exitSignal" | "stopSignal"> & { liveChildren?: number }): string {
  switch (view.status) {
    case "running":
      return "running";
    case "unverified":
      return "running (unverified)";
    case "children":
      return `children running (${view.liveChildren ?? 0})`;
    default:
      if (view.stopSignal) return `stopped by user (${view.stopSignal})`;
      if (view.exitSignal) return `killed by ${view.exitSignal}`;
      if (view.exitCode !== null) return `exited ${exitCodeText(view.exitCode)}`;
      return "stopped";
  }
}

/** The detail pages' "Exit code": the code (with a Windows code's meaning), the signal, or why neither. */
export function exitCodeField(view: Pick<ProcessView, "status" | "exitCode" | "exitSignal">): string {
  if (view.exitCode !== null) return exitCodeText(view.exitCode, true);
  if (view.exitSignal) return `signal ${view.exitSignal}`;
  return view.status === "stopped" ? "unknown" : "–";
}

/** Why a stopped record has no exit code, for the detail page; null when it has one. */
export function unknownExitReason(view: Pick<ProcessView, "status" | "exitCode" | "exitSignal" | "exitObserved">): string | null {
  if (view.status !== "stopped" || view.exitCode !== null || view.exitSignal !== null) return null;
  return view.exitObserved
    ? "Exit code unknown: the keeper that waited for this process was killed before the process ended."
    : "Exit code unknown: another program (such as the AYON launcher) started this process, so nobody waited for its exit. It was marked stopped when found gone.";
}
