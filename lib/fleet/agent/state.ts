import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { exitEventSchema, type ExitEvent } from "../protocol";
import { agentDir, writePrivate } from "./identity";

/**
 * What the agent must not forget across restarts, kept in `<data dir>/agent-state.json`:
 * what the hub has accepted (so a restart sends only changes, and notices exits that
 * happened while it was down), and exits not yet accepted (so none is lost).
 */
export interface AgentState {
  hub: string;
  hostKey: string | null;
  /** The last report number used. */
  seq: number;
  /** The hub's last accepted report, which the next delta builds on; null: send everything. */
  base: number | null;
  /** When reporting started (ms): exits before it are history, not events. */
  since: number;
  /** Per hash, what the hub holds: a fingerprint and whether it was running. */
  accepted: Record<string, { fp: string; running: boolean }>;
  pending: ExitEvent[];
}

const stateFile = (dir: string) => path.join(dir, "agent-state.json");

export function freshState(hub: string, hostKey: string | null): AgentState {
  return { hub, hostKey, seq: 0, base: null, since: Date.now(), accepted: {}, pending: [] };
}

const stateSchema = z.object({
  hub: z.string(),
  hostKey: z.string().nullable(),
  seq: z.number().int().min(0),
  base: z.number().int().min(1).nullable(),
  since: z.number().finite(),
  accepted: z.record(z.string(), z.object({ fp: z.string(), running: z.boolean() })),
  pending: z.array(z.unknown()),
});

/**
 * The state kept on disk, never trusted: a file that does not check is repaired to a full
 * report (the hub then holds exactly what is sent), keeping every pending exit that still reads
 * as one, since an exit the hub has not taken exists nowhere else.
 */
export function loadState(hub: string, dir = agentDir()): AgentState {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(stateFile(dir), "utf8"));
  } catch {
    return freshState(hub, null); // first run, or not JSON at all
  }
  const pending = pendingExits(value);
  const parsed = stateSchema.safeParse(value);
  if (parsed.success && parsed.data.hub === hub) return { ...parsed.data, pending };
  const fresh = freshState(hub, null);
  const fields = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  if (fields.hub !== hub) return fresh;
  // Damaged: a full report, numbered after whatever was used, with the exits still owed.
  const seq = typeof fields.seq === "number" && Number.isSafeInteger(fields.seq) && fields.seq > 0 ? fields.seq : 0;
  const since = typeof fields.since === "number" && Number.isFinite(fields.since) ? fields.since : fresh.since;
  return { ...fresh, seq, since, pending };
}

function pendingExits(value: unknown): ExitEvent[] {
  const list = value && typeof value === "object" ? (value as { pending?: unknown }).pending : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const parsed = exitEventSchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

export function saveState(state: AgentState, dir = agentDir()): void {
  writePrivate(stateFile(dir), JSON.stringify(state));
}
