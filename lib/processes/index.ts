// The one door to the processes (see docs/architecture.md). Server code gets the dashboard's
// own with `processes()` from "./server"; a command opens a registry file with `openProcesses`.
import { resolveDbPath } from "../config/paths";
import { Registry } from "../registry/registry";
import { LocalProcesses } from "./local";

export { LocalProcesses, INITIAL_TAIL_BYTES } from "./local";
export type { InitialTail, OutputPageData, ProcessDetail, ProcessItem, ProcessList, ProcessUsage, StopOutcome } from "./local";
export { ALL, PAGE_SIZE, SORT_KEYS, STATUS_FILTERS, selectProcesses } from "./query";
export type { ProcessQuery, SortKey, StatusFilter } from "./query";
export { statusText, unknownExitReason } from "./status";
export type { DisplayStatus, ProcessView } from "./status";

/**
 * The processes of the registry at `dbPath` (else PROCESS_MONITOR_DB) for a short-lived
 * command: better-sqlite3 directly, without Prisma's start-up cost (see lib/db/client.ts),
 * and no process-table reading for CPU figures it does not show (`usage: true` for the agent,
 * which reports them). Close it when done.
 */
export async function openProcesses(
  dbPath?: string | null,
  baseDir = process.cwd(),
  { usage = false }: { usage?: boolean } = {},
): Promise<{ processes: LocalProcesses; dbPath: string; close: () => Promise<void> }> {
  const registry = await Registry.open(resolveDbPath(dbPath), { driver: "direct" });
  return {
    processes: new LocalProcesses(async () => registry, { usage, baseDir }),
    dbPath: registry.dbPath,
    close: () => registry.close(),
  };
}
