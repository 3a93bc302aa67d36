import { z } from "zod";

// What an agent and the hub say to each other (POST /api/fleet/enroll, POST /api/fleet/report).
// Versioned by the `protocol` field, so a newer hub can still take an older agent's reports.

export const PROTOCOL_VERSION = 1;

/** A report's body may carry a full list of a busy workstation, environments included. */
export const MAX_REPORT_BYTES = 16 * 1024 * 1024;

const text = (max: number) => z.string().max(max);
const hash = z.string().regex(/^[0-9a-f]{64}$/, "a record hash is 64 hexadecimal characters");
const seconds = z.number().finite().nullable();

export const hostFactsSchema = z.object({
  hostname: text(255),
  platform: text(64),
  release: text(255),
  arch: text(64),
  cores: z.number().int().min(0).max(100_000),
  memTotalBytes: z.number().min(0),
  memUsedBytes: z.number().min(0),
  load: z.array(z.number()).max(3),
  uptimeSeconds: z.number().min(0),
  agentVersion: text(64),
});
export type HostFacts = z.infer<typeof hostFactsSchema>;

/** One record as reported: the workstation's view of it (status checked there) and its environment. */
export const reportedProcessSchema = z.object({
  hash,
  name: text(4096),
  pid: z.number().int().nullable(),
  executable: text(65_536),
  currentExecutable: text(65_536).nullable(),
  args: z.array(text(262_144)).max(10_000),
  env: z.record(text(65_536), text(262_144)),
  cwd: text(65_536).nullable(),
  status: z.enum(["running", "unverified", "stopped", "children"]),
  exitCode: z.number().int().nullable(),
  exitSignal: text(32).nullable(),
  stopSignal: text(32).nullable(),
  exitObserved: z.boolean(),
  startTime: seconds,
  endedAt: seconds,
  createdAt: text(64).nullable(),
  cpuPercent: z.number().finite().nullable(),
  rssBytes: z.number().finite().nullable(),
  outputFile: text(65_536).nullable(),
  outputSize: z.number().finite().nullable(),
  runawayOutput: z.boolean(),
  liveChildren: z.number().int().min(0),
  warnings: z.array(text(4096)).max(100),
});
export type ReportedProcess = z.infer<typeof reportedProcessSchema>;
/** A reported record as the hub keeps it in memory: without its environment. */
export type StoredProcess = Omit<ReportedProcess, "env">;

/** A record ended: sent once per record, kept by the agent until the hub accepted it. */
export const exitEventSchema = z.object({
  hash,
  name: text(4096),
  exitCode: z.number().int().nullable(),
  exitSignal: text(32).nullable(),
  stopSignal: text(32).nullable(),
  endedAt: seconds,
  /** The last lines of its output (for alerts); not stored. */
  lastLines: z.array(text(4096)).max(20).optional(),
});
export type ExitEvent = z.infer<typeof exitEventSchema>;

export const enrollRequestSchema = z.object({
  protocol: z.number().int().min(1),
  hostId: z.string().uuid(),
  machineId: text(255).min(1),
  hostname: text(255).min(1),
});
export type EnrollRequest = z.infer<typeof enrollRequestSchema>;

export interface EnrollAnswer {
  /** The hub's id of this host (the first part of the host secret). */
  hostKey: string;
  secret: string;
  name: string;
  /** Set when another machine already reports this host id (a cloned disk image). */
  cloneOf: string | null;
}

export const reportSchema = z.object({
  protocol: z.number().int().min(1),
  machineId: text(255).min(1),
  /** This report's number; the next one builds on it once accepted. */
  seq: z.number().int().min(1),
  /** The accepted report this delta builds on; null with `full` (the whole list). */
  base: z.number().int().min(0).nullable(),
  full: z.boolean(),
  interval: z.number().int().min(1).max(3600),
  facts: hostFactsSchema,
  upserts: z.array(reportedProcessSchema).max(100_000),
  removed: z.array(hash).max(100_000),
  events: z.array(exitEventSchema).max(100_000),
});
export type Report = z.infer<typeof reportSchema>;

export interface ReportAnswer {
  accepted: number;
  name: string;
}

/** Why a report was not taken, beyond the status code: what the agent should do next. */
export type ReportRefusal =
  | { error: string; code: "NEED_FULL"; seq: number }
  | { error: string; code: "REVOKED" }
  | { error: string; code: "UNKNOWN_HOST" }
  | { error: string; code: "CLONE" };

/** What the hub may ask an agent to do. `stop` with `force` is a kill; `range`, `search` and `line` read output. */
export const COMMAND_KINDS = ["stop", "relaunch", "delete", "range", "search", "line"] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];
/** Commands that change a workstation: audited. */
export const ACTION_KINDS: ReadonlySet<CommandKind> = new Set(["stop", "relaunch", "delete"]);

export interface AgentCommand {
  id: string;
  kind: CommandKind;
  hash: string;
  args: {
    force?: boolean;
    offset?: number;
    length?: number;
    align?: "lines" | "bytes";
    q?: string;
    from?: number;
    dir?: "next" | "prev";
    count?: boolean;
  };
}

/** An agent's answer to one command. */
export const commandResultSchema = z.object({
  ok: z.boolean(),
  /** A sentence for the person who asked. */
  message: text(4096),
  /** What the command produced (a stop's outcome, a new hash, output bytes as base64). */
  data: z.record(z.string(), z.unknown()).default({}),
});
export type CommandResult = z.infer<typeof commandResultSchema>;

/** Longest an agent's command poll is held open by the hub. */
export const COMMAND_POLL_SECONDS = 25;
