import crypto from "node:crypto";
import type { ExitEvent, ReportedProcess } from "../protocol";
import type { AgentState } from "./state";
import { isActive } from "../../processes/status";

const running = (p: ReportedProcess) => isActive(p);

/**
 * Found gone before its keeper wrote down how it ended (a listing in the moment between the
 * program's end and its sidecar): its exit is yet to come, so it is not an exit yet. Told as
 * one once the keeper's record arrives; a record whose keeper died never gets one (no exit
 * to tell).
 */
const awaitingExit = (p: ReportedProcess) =>
  !running(p) && p.exitObserved && p.exitCode === null && p.exitSignal === null && p.endedAt === null;

/** Steps of about 10 %: memory and output size count as changed when they move that much. */
const step = (value: number | null) => (value === null || value <= 0 ? "-" : String(Math.round(Math.log(value) / Math.log(1.1))));

/**
 * What has to reach the hub about a record. CPU is bucketed (5 points) and sizes move in
 * 10 % steps, so an idle fleet sends heartbeats, not a stream of tiny changes.
 */
export function fingerprint(p: ReportedProcess): string {
  const { cpuPercent, rssBytes, outputSize, ...rest } = p;
  const cpu = cpuPercent === null ? "-" : String(Math.round(cpuPercent / 5));
  // Hashed: the agent's state file keeps one per record, environments and all.
  return crypto
    .createHash("sha1")
    .update(`${cpu}|${step(rssBytes)}|${step(outputSize)}|${JSON.stringify(rest)}`)
    .digest("base64url");
}

/**
 * Exits since the hub last heard: a record it holds as running that has stopped, or a record
 * it never saw that ended after reporting began (it came and went between two reports, or
 * while the hub was down). Added to `pending`, once per hash.
 */
export function detectExits(state: AgentState, current: ReportedProcess[]): ExitEvent[] {
  const pending = new Set(state.pending.map((e) => e.hash));
  const found: ExitEvent[] = [];
  for (const p of current) {
    if (running(p) || awaitingExit(p) || pending.has(p.hash)) continue;
    const held = state.accepted[p.hash];
    const isNew = held ? held.running : p.endedAt !== null && p.endedAt * 1000 >= state.since;
    if (!isNew) continue;
    found.push({
      hash: p.hash,
      name: p.name,
      exitCode: p.exitCode,
      exitSignal: p.exitSignal,
      stopSignal: p.stopSignal,
      endedAt: p.endedAt,
    });
  }
  return found;
}

export interface Delta {
  full: boolean;
  upserts: ReportedProcess[];
  removed: string[];
  /** What the hub holds once this is accepted. */
  next: AgentState["accepted"];
}

export function buildDelta(state: AgentState, current: ReportedProcess[]): Delta {
  const next: AgentState["accepted"] = {};
  const upserts: ReportedProcess[] = [];
  const full = state.base === null;
  for (const p of current) {
    const fp = fingerprint(p);
    next[p.hash] = { fp, running: running(p) || awaitingExit(p) };
    if (full || state.accepted[p.hash]?.fp !== fp) upserts.push(p);
  }
  const removed = full ? [] : Object.keys(state.accepted).filter((hash) => !(hash in next));
  return { full, upserts, removed, next };
}
