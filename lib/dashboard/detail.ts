import "server-only";
import { cache } from "react";
import { isProcessHash } from "../registry/hash";
import { getRegistry } from "../server/registry";
import { ProcessSnapshot } from "../system/snapshot";
import { flattenDescendants } from "../system/probe";
import { summariseOutput, type OutputSummary } from "../output/tail";
import { descendantViews, toView, type DescendantView, type ProcessView } from "./process-view";

export interface ProcessDetail {
  process: ProcessView;
  env: Record<string, string>;
  descendants: DescendantView[];
  output: OutputSummary;
}

/** A record checked against a (shared, recent) process table reading, with its view. */
async function checkedRecord(hash: string, withOutputSize: boolean) {
  if (!isProcessHash(hash)) return null;
  const registry = await getRegistry();
  const snapshot = await ProcessSnapshot.recent();
  const record = await registry.invalidate(hash, snapshot);
  if (!record) return null;
  const view = toView(record, snapshot, withOutputSize);
  const descendants = view.status !== "stopped" && record.pid !== null ? descendantViews(snapshot, record.pid) : [];
  return { record, view, descendants };
}

/**
 * Everything the detail page shows; null for an unknown (or malformed) hash. Cached per
 * request: the page and its metadata share one check.
 */
export const getProcessDetail = cache(async function getProcessDetail(hash: string): Promise<ProcessDetail | null> {
  const checked = await checkedRecord(hash, true);
  if (!checked) return null;
  return {
    process: checked.view,
    env: checked.record.env,
    descendants: checked.descendants,
    output: await summariseOutput(checked.record.outputFile),
  };
});

/** Current CPU and memory of a record's process and its descendants, for the live chart. */
export async function getProcessUsage(hash: string) {
  const checked = await checkedRecord(hash, false);
  if (!checked) return null;
  const { view } = checked;
  const descendants = flattenDescendants(checked.descendants);
  return {
    at: Date.now(),
    status: view.status,
    cpuPercent: view.cpuPercent,
    rssBytes: view.rssBytes,
    treeCpuPercent: (view.cpuPercent ?? 0) + descendants.reduce((sum, d) => sum + (d.cpuPercent ?? 0), 0),
    treeRssBytes: (view.rssBytes ?? 0) + descendants.reduce((sum, d) => sum + (d.rssBytes ?? 0), 0),
  };
}
