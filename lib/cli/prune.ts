import { formatBytes } from "../format";
import { describeLeftAlone } from "../registry/left-alone";
import type { RetentionOutcome } from "../retention/apply";
import { parseAge, parseSize, policyFromEnv, PolicyError, type RetentionPolicy } from "../retention/policy";
import { CliError } from "./errors";

/**
 * The policy `prune` applies: only the limits given as flags, or with `--policy` the
 * configured one with the flags over it. A dry run without limits shows what deleting
 * every stopped record would remove.
 */
export function retentionFromFlags(opts: { olderThan?: string; keep?: string; maxOutput?: string; policy?: boolean }): RetentionPolicy {
  try {
    const base: RetentionPolicy = opts.policy ? policyFromEnv() : { keepDays: null, keepRecords: null, maxOutputBytes: null };
    if (opts.olderThan !== undefined) base.keepDays = parseAge(opts.olderThan);
    if (opts.keep !== undefined) {
      if (!/^\d+$/.test(opts.keep.trim())) throw new PolicyError(`--keep takes a whole number of records, not "${opts.keep}".`);
      base.keepRecords = Number(opts.keep);
    }
    if (opts.maxOutput !== undefined) base.maxOutputBytes = parseSize(opts.maxOutput);
    if (base.keepDays === null && base.keepRecords === null && base.maxOutputBytes === null) base.keepRecords = 0;
    return base;
  } catch (error) {
    if (error instanceof PolicyError) throw new CliError(error.message, 2);
    throw error;
  }
}

const REASONS = { age: "too old", count: "beyond the count", output: "for the output limit" } as const;

export function reportRetention(outcome: RetentionOutcome, { json }: { json: boolean }): string {
  const { plan, result } = outcome;
  const dryRun = result === null;
  if (json) {
    return (
      JSON.stringify({
        dryRun,
        deleted: dryRun ? 0 : result.deleted,
        wouldDelete: dryRun ? plan.remove.length : undefined,
        bytes: plan.removeBytes,
        records: plan.remove,
        filesLeftAlone: result?.filesLeftAlone ?? [],
        outputTotalBytes: plan.outputTotalBytes,
      }) + "\n"
    );
  }
  const count = dryRun ? plan.remove.length : result.deleted;
  const noun = `stopped record${count === 1 ? "" : "s"}`;
  const head = dryRun
    ? `Would delete ${count} ${noun} (${formatBytes(plan.removeBytes)} of output); nothing was changed.`
    : `Deleted ${count} ${noun} (${formatBytes(plan.removeBytes)} of output).${describeLeftAlone(result.filesLeftAlone)}`;
  const lines = plan.remove.map((r) => `  ${r.hash.slice(0, 12)}  ${r.name}  ${REASONS[r.reason]}  ${formatBytes(r.outputBytes)}`);
  const over =
    plan.stillOverBytes > 0
      ? [`Still ${formatBytes(plan.stillOverBytes)} over the output limit: running records and files no record names hold it.`]
      : [];
  return [head, ...(dryRun ? lines : []), ...over].join("\n") + "\n";
}
