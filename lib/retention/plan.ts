import fs from "node:fs";
import path from "node:path";
import type { RetentionPolicy } from "./policy";

/** What the plan needs of a record, whatever its source. */
export interface RetentionCandidate {
  hash: string;
  name: string;
  stopped: boolean;
  outputFile: string | null;
  /** Seconds since the epoch: when it ended, else started, else was recorded. */
  lastActive: number | null;
}

export type RemovalReason = "age" | "count" | "output";

export interface PlannedRemoval {
  hash: string;
  name: string;
  reason: RemovalReason;
  /** Bytes its output file (inside the output folder) frees. */
  outputBytes: number;
}

export interface RetentionPlan {
  remove: PlannedRemoval[];
  removeBytes: number;
  /** Every file in the output folder, now. */
  outputTotalBytes: number;
  outputFiles: number;
  /** What stays over the output limit because only running records and unnamed files hold it. */
  stillOverBytes: number;
}

/**
 * Size of every regular file under `folder` (the keepers' sidecars included), not following
 * links. Read off the event loop, 64 files at a time: a folder of 50,000 logs does not
 * stall the server's other requests.
 */
export async function folderUsage(folder: string): Promise<{ bytes: number; files: number; sizes: Map<string, number> }> {
  const sizes = new Map<string, number>();
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const files = entries.filter((e) => e.isFile()).map((e) => path.join(dir, e.name));
    for (let i = 0; i < files.length; i += 64) {
      const batch = files.slice(i, i + 64);
      const stats = await Promise.all(batch.map((f) => fs.promises.stat(f).catch(() => null)));
      stats.forEach((stat, j) => {
        if (!stat) return; // gone meanwhile
        sizes.set(batch[j]!, stat.size);
        bytes += stat.size;
      });
    }
    for (const entry of entries) if (entry.isDirectory()) await walk(path.join(dir, entry.name));
  };
  await walk(folder);
  return { bytes, files: sizes.size, sizes };
}

/**
 * What the policy removes now: stopped records, oldest first, by age, then beyond the
 * count, then until the output folder is under its limit. Running records and their
 * output are never candidates.
 */
export async function planRetention(
  records: RetentionCandidate[],
  policy: RetentionPolicy,
  outputDir: string,
  now = Date.now() / 1000,
): Promise<RetentionPlan> {
  const usage = await folderUsage(outputDir);
  // Only files found by walking the output folder (links not followed) have a size here: a
  // record naming a file elsewhere frees nothing, and the registry would leave it alone.
  const sizeOf = (r: RetentionCandidate) => (r.outputFile ? (usage.sizes.get(path.resolve(r.outputFile)) ?? 0) : 0);
  // Oldest first; unknown age counts as oldest (nothing says it is recent).
  const stopped = records.filter((r) => r.stopped).sort((a, b) => (a.lastActive ?? -1e18) - (b.lastActive ?? -1e18));
  const chosen = new Map<string, PlannedRemoval>();
  const take = (r: RetentionCandidate, reason: RemovalReason) => {
    if (!chosen.has(r.hash)) chosen.set(r.hash, { hash: r.hash, name: r.name, reason, outputBytes: sizeOf(r) });
  };

  if (policy.keepDays !== null) {
    const cutoff = now - policy.keepDays * 86400;
    for (const r of stopped) if (r.lastActive === null || r.lastActive < cutoff) take(r, "age");
  }
  if (policy.keepRecords !== null) {
    const left = stopped.filter((r) => !chosen.has(r.hash));
    for (const r of left.slice(0, Math.max(0, left.length - policy.keepRecords))) take(r, "count");
  }
  let stillOverBytes = 0;
  if (policy.maxOutputBytes !== null) {
    let remaining = usage.bytes - [...chosen.values()].reduce((sum, r) => sum + r.outputBytes, 0);
    for (const r of stopped) {
      if (remaining <= policy.maxOutputBytes) break;
      if (chosen.has(r.hash)) continue;
      const bytes = sizeOf(r);
      if (bytes === 0) continue;
      take(r, "output");
      remaining -= bytes;
    }
    stillOverBytes = Math.max(0, remaining - policy.maxOutputBytes);
  }
  const remove = [...chosen.values()];
  return {
    remove,
    removeBytes: remove.reduce((sum, r) => sum + r.outputBytes, 0),
    outputTotalBytes: usage.bytes,
    outputFiles: usage.files,
    stillOverBytes,
  };
}
