import type { Registry } from "../registry";
import type { ProcessRecord } from "../registry/types";
import { ignoresSigterm, readProcStat } from "../system/proc-linux";
import { checkLiveness, descendantsOf, flattenDescendants, stillAliveAs } from "../system/probe";
import { ProcessSnapshot } from "../system/snapshot";
import { LaunchError, noRecord } from "./errors";
import { isWindows, readStat } from "../system/native";
import { launchId } from "./win32/start";
import { jobNameFor } from "./win32/spawn";
import { breakConsoleGroup, closeWindowsOf, terminateAs, terminateJob } from "./win32/stop";

import { DEFAULT_GRACE_MS } from "./grace";

/** What a stop reads and writes of the registry. */
export type StopStore = Pick<Registry, "get" | "markStopped" | "markStopRequested">;

export interface StopOptions {
  /** How long to wait after SIGTERM before SIGKILL. */
  graceMs?: number;
  /** SIGKILL at once. */
  force?: boolean;
}

export interface StopResult {
  outcome: "stopped" | "already-stopped";
  /** The strongest signal that had to be sent. */
  signal: "SIGTERM" | "SIGKILL" | null;
  /** How many descendants were signalled along with the process. */
  descendants: number;
  message: string;
  record: ProcessRecord;
}

/** A process we may signal: identified by pid and creation time, so a reused pid is never hit. */
interface Target {
  pid: number;
  startTime: number | null;
}

const stillAlive = (target: Target): boolean => stillAliveAs(target.pid, target.startTime);

function signalTarget(target: Target, signal: NodeJS.Signals): void {
  if (!stillAlive(target)) return;
  try {
    process.kill(target.pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EPERM") throw new LaunchError("PERMISSION", `Not allowed to signal pid ${target.pid} (it belongs to another user).`);
    if (code !== "ESRCH") throw error;
  }
}

/** Signals the whole group when the process leads one (our launches do), then each target. */
function signalAll(leader: Target, targets: Target[], signal: NodeJS.Signals): void {
  const stat = readProcStat(leader.pid);
  if (stat && stat.pgid === leader.pid && stillAlive(leader)) {
    try {
      process.kill(-leader.pid, signal);
    } catch {
      /* the group may be gone already; individual signals below */
    }
  }
  for (const target of [leader, ...targets]) signalTarget(target, signal);
}

async function waitUntilGone(targets: Target[], timeoutMs: number, meanwhile?: () => void): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!targets.some(stillAlive)) return true;
    if (Date.now() >= deadline) return false;
    meanwhile?.();
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Windows: WM_CLOSE to the tree's windows and CTRL_BREAK to the program's console group,
 * then after the grace period its Job object and every process of the tree still the one
 * recorded. Reported with the words of the Linux signals they stand for (SIGTERM: asked to
 * close; SIGKILL: ended).
 */
async function endOnWindows(
  registry: StopStore,
  record: ProcessRecord,
  leader: Target,
  descendants: Target[],
  options: StopOptions,
): Promise<StopResult["signal"]> {
  const all = [leader, ...descendants];
  const jobName = record.outputFile ? jobNameFor(launchId(record.outputFile)) : null;
  const forceEnd = async () => {
    await registry.markStopRequested(record.hash, "SIGKILL");
    // The Job holds only processes created inside it (the name is this launch's alone), so
    // ending it never reaches a reused pid, even once the program itself has ended.
    if (jobName) terminateJob(jobName);
    for (const target of all) if (stillAlive(target)) terminateAs(target);
    await waitUntilGone(all, 2_000);
    return "SIGKILL" as const;
  };
  if (options.force) return forceEnd();
  await registry.markStopRequested(record.hash, "SIGTERM");
  closeWindowsOf(new Set(all.filter(stillAlive).map((t) => t.pid)));
  if (stillAlive(leader)) await breakConsoleGroup(leader);
  if (await waitUntilGone(all, options.graceMs ?? DEFAULT_GRACE_MS)) return "SIGTERM";
  return forceEnd();
}

/**
 * Stops a recorded process and its descendants: SIGTERM, then SIGKILL after the grace
 * period (at once with `force`). Identity (pid and creation time, as in `identifyProcess`:
 * a process that exec'd another program is still ours) is verified before any signal; a
 * pid now used by another process is refused.
 */
export async function stopProcess(registry: StopStore, hash: string, options: StopOptions = {}): Promise<StopResult> {
  const record = await registry.get(hash);
  if (!record) throw noRecord();
  const label = `${record.name} (pid ${record.pid ?? "none"})`;
  if (record.pid === null) {
    await registry.markStopped([record.hash]);
    return { outcome: "already-stopped", signal: null, descendants: 0, message: `${label} has no pid; nothing to stop.`, record };
  }

  const snapshot = await ProcessSnapshot.take();
  const liveness = checkLiveness(snapshot, record.pid, record.executable, record.startTime);
  if (liveness === "gone") {
    await registry.markStopped([record.hash]);
    const reused = !record.stopped && snapshot.has(record.pid) && readStat(record.pid)?.state !== "Z";
    if (reused) {
      throw new LaunchError(
        "REFUSED",
        `Refused: pid ${record.pid} now belongs to another process (its creation time differs from the record). ${record.name} has already ended; no signal was sent.`,
      );
    }
    return { outcome: "already-stopped", signal: null, descendants: 0, message: `${label} is not running; nothing to stop.`, record };
  }

  const leader: Target = { pid: record.pid, startTime: record.startTime };
  const descendants: Target[] = flattenDescendants(descendantsOf(snapshot, record.pid)).map((d) => ({
    pid: d.pid,
    startTime: d.startTime,
  }));
  // Members of the process group that left the tree (re-parented to init) are ours too.
  for (const member of snapshot.groupMembers(record.pid)) {
    if (!descendants.some((d) => d.pid === member.pid)) {
      descendants.push({ pid: member.pid, startTime: snapshot.detailsOf(member.pid).stat?.startTime ?? null });
    }
  }
  const all = [leader, ...descendants];

  let signal: StopResult["signal"];
  if (isWindows) {
    signal = await endOnWindows(registry, record, leader, descendants, options);
  } else if (options.force) {
    signal = "SIGKILL";
    await registry.markStopRequested(record.hash, signal);
    signalAll(leader, descendants, "SIGKILL");
    await waitUntilGone(all, 2_000);
  } else {
    signal = "SIGTERM";
    await registry.markStopRequested(record.hash, signal);
    // A launch still starting ignores TERM (its keeper's disposition, until `env
    // --default-signal` execs the program): it gets TERM again once it no longer does,
    // rather than SIGKILL at the end of the grace period.
    let starting = all.filter((t) => ignoresSigterm(t.pid));
    signalAll(leader, descendants, "SIGTERM");
    const resendWhenReady = () => {
      if (starting.length === 0) return;
      const ready = starting.filter((t) => !ignoresSigterm(t.pid));
      // The leader may have become its group's leader only now (setsid runs after the go), and
      // a shell may already have forked the program into that group: the group gets it too.
      for (const target of ready) {
        if (target.pid === leader.pid) signalAll(leader, [], "SIGTERM");
        else signalTarget(target, "SIGTERM");
      }
      starting = starting.filter((t) => !ready.includes(t));
    };
    if (!(await waitUntilGone(all, options.graceMs ?? DEFAULT_GRACE_MS, resendWhenReady))) {
      signal = "SIGKILL";
      await registry.markStopRequested(record.hash, signal);
      signalAll(leader, descendants.filter(stillAlive), "SIGKILL");
      await waitUntilGone(all, 2_000);
    }
  }
  if (all.some(stillAlive)) {
    throw new LaunchError("REFUSED", `${label} did not end even after SIGKILL (stuck in the kernel?).`);
  }
  await registry.markStopped([record.hash]);
  const stopped = (await registry.get(record.hash)) ?? record;
  const how = !isWindows
    ? `with ${signal}`
    : signal === "SIGTERM"
      ? "closed when asked (WM_CLOSE, CTRL_BREAK)"
      : options.force
        ? "at once (Job object)"
        : "ended after the grace period (Job object)";
  const extra = descendants.length ? ` and ${descendants.length} descendant${descendants.length === 1 ? "" : "s"}` : "";
  return {
    outcome: "stopped",
    signal,
    descendants: descendants.length,
    message: `Stopped ${label}${extra} ${how}.`,
    record: stopped,
  };
}
