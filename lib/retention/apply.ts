import type { Registry } from "../registry/registry";
import type { DeleteResult } from "../registry/types";
import { isoToSeconds, timeOrNull } from "../time";
import { planRetention, type RetentionPlan } from "./plan";
import type { RetentionPolicy } from "./policy";

export interface RetentionOutcome {
  plan: RetentionPlan;
  /** Null for a dry run. */
  result: (DeleteResult & { hashes: string[] }) | null;
  at: number;
  tookMs: number;
}

/**
 * One retention pass over a registry: every record checked (the dead marked stopped), the
 * plan made, and, unless a dry run, the planned records deleted with their output files
 * (only inside the output folder). A record that runs again or was re-stored meanwhile
 * is not deleted.
 */
export async function applyRetention(
  registry: Registry,
  policy: RetentionPolicy,
  options: { dryRun?: boolean } = {},
): Promise<RetentionOutcome> {
  const started = performance.now();
  const records = await registry.list({ env: false });
  const plan = await planRetention(
    records.map((r) => ({
      hash: r.hash,
      name: r.name,
      stopped: r.status === "stopped",
      outputFile: r.outputFile,
      lastActive: timeOrNull(r.endedAt) ?? timeOrNull(r.startTime) ?? isoToSeconds(r.createdAt),
    })),
    policy,
    registry.outputDir,
  );
  const result = options.dryRun ? null : await registry.removeStopped(plan.remove.map((r) => r.hash));
  return { plan, result, at: Date.now(), tookMs: performance.now() - started };
}
