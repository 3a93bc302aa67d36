import fs from "node:fs";
import path from "node:path";
import type { ExitEvent } from "../protocol";
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

export function loadState(hub: string, dir = agentDir()): AgentState {
  try {
    const value = JSON.parse(fs.readFileSync(stateFile(dir), "utf8")) as AgentState;
    if (value.hub === hub && typeof value.seq === "number" && value.accepted && Array.isArray(value.pending)) return value;
  } catch {
    /* first run, or a damaged file: start over with a full report */
  }
  return freshState(hub, null);
}

export function saveState(state: AgentState, dir = agentDir()): void {
  writePrivate(stateFile(dir), JSON.stringify(state));
}
