import { identifyProcess, type Liveness, type Verdict } from "./probe";
import { ProcessSnapshot } from "./snapshot";

/** What a row must say for its process to be checked. */
export interface Checkable {
  hash: string;
  pid: number | null;
  executable: string;
  startTime: number | null;
  stopped: boolean;
}

/** The verdict for a stopped row, or one that names no pid (it can never be checked; as in AYON). */
export const STOPPED: Verdict = { liveness: "gone", currentExecutable: null };
/** Not checked: taken as running, as the file says. */
export const UNCHECKED: Verdict = { liveness: "running", currentExecutable: null };

export function statusOf(liveness: Liveness): "running" | "unverified" | "stopped" {
  return liveness === "gone" ? "stopped" : liveness;
}

export interface Reconciliation<T extends Checkable> {
  /** For every row not yet stopped. */
  verdicts: Map<string, Verdict>;
  /** Rows not yet stopped whose process is gone: to be marked stopped. */
  gone: T[];
}

/**
 * Checks rows against the process table: the liveness policy in one place, beside the
 * probe. Rows are read first and the table after, so that every process a row names had
 * started by then; on Linux only the pids the rows name are read. A given snapshot (a
 * shared, recent reading) is used instead, and any "gone" it cannot vouch for is checked
 * again directly. With `check: false`, live-looking rows are taken at their word.
 */
export async function reconcile<T extends Checkable>(
  rows: T[],
  options: { check?: boolean; snapshot?: ProcessSnapshot } = {},
): Promise<Reconciliation<T>> {
  const check = options.check ?? true;
  const toCheck = check ? rows.filter((r) => !r.stopped && r.pid !== null) : [];
  const snapshot = toCheck.length === 0 ? undefined : (options.snapshot ?? (await ProcessSnapshot.forPids(toCheck.map((r) => r.pid!))));
  const verdicts = new Map<string, Verdict>();
  let gone: T[] = [];
  for (const row of rows) {
    if (row.stopped) continue;
    const verdict = row.pid === null ? STOPPED : snapshot ? identifyProcess(snapshot, row.pid, row.executable, row.startTime) : UNCHECKED;
    verdicts.set(row.hash, verdict);
    if (verdict.liveness === "gone") gone.push(row);
  }
  if (snapshot && gone.length > 0) {
    const rechecked = await confirmGone(gone, snapshot);
    for (const [hash, verdict] of rechecked.alive) verdicts.set(hash, verdict);
    gone = rechecked.dead;
  }
  return { verdicts, gone };
}

/** One row, checked now (against `snapshot` when given). */
export async function reconcileOne(row: Checkable, snapshot?: ProcessSnapshot): Promise<Verdict> {
  if (row.stopped || row.pid === null) return STOPPED;
  const table = snapshot ?? (await ProcessSnapshot.ofPids([row.pid]));
  const verdict = identifyProcess(table, row.pid, row.executable, row.startTime);
  if (verdict.liveness !== "gone") return verdict;
  return (await confirmGone([row], table)).alive.get(row.hash) ?? STOPPED;
}

/**
 * A process table reading cannot show a process that started after it was taken (a
 * shared, second-old reading, or one taken while a launch was being recorded). Before
 * calling such rows gone for good, look at them again directly.
 */
async function confirmGone<T extends Checkable>(
  candidates: T[],
  snapshot: ProcessSnapshot,
): Promise<{ dead: T[]; alive: Map<string, Verdict> }> {
  const since = snapshot.takenAt / 1000 - 2;
  const doubtful = candidates.filter((r) => r.pid !== null && (r.startTime === null || r.startTime >= since));
  const alive = new Map<string, Verdict>();
  if (doubtful.length > 0) {
    const fresh = await ProcessSnapshot.ofPids(doubtful.map((r) => r.pid!));
    for (const row of doubtful) {
      const verdict = identifyProcess(fresh, row.pid, row.executable, row.startTime);
      if (verdict.liveness !== "gone") alive.set(row.hash, verdict);
    }
  }
  return { dead: candidates.filter((r) => !alive.has(r.hash)), alive };
}
