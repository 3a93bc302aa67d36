import { z } from "zod";
import { MAX_RANGE_BYTES } from "../output/range";
import { DERIVED_VIEW_FIELDS, endReasonSchema, processViewSchema, type ProcessView } from "../processes/view-schema";
import { clip, cleanStrings, cleanText } from "../text/clean";
import { isoOrNull, timeOrNull, timeWarning } from "../time";
import { launchRequestSchema } from "../validation/launch";

// What an agent and the hub say to each other (POST /api/fleet/enroll, POST /api/fleet/report).
// Versioned by the `protocol` field, so a newer hub can still take an older agent's reports.
//
// No content can make a report fail to be stored: every string of it is cleaned, at any depth
// and whatever its field (cleanStrings: NUL and lone surrogates, which PostgreSQL refuses), every
// record is bounded (fitRecord), and a time out of range is unknown. Only a report of the wrong
// shape is refused, and an agent never sends one.

export const PROTOCOL_VERSION = 1;

/** A report's body may carry a full list of a busy workstation, environments included. */
export const MAX_REPORT_BYTES = 16 * 1024 * 1024;

/**
 * An agent's answer to a command may carry the largest range a workstation's output route
 * gives (MAX_RANGE_BYTES), as base64, with room for the rest of the answer: the hub's output
 * route then has the local one's limits.
 */
export const MAX_COMMAND_RESULT_BYTES = Math.ceil(MAX_RANGE_BYTES / 3) * 4 + 64 * 1024;

/** A string that any store can hold, refused past `max` (identity: names, ids). */
const text = (max: number, min = 0) => z.string().min(min).max(max).transform(cleanText);
/** A string of a record: cleaned and cut to `max`, never refused for its content. */
const fitted = (max: number) => z.string().transform((s) => clip(cleanText(s), max));
const hash = z.string().regex(/^[0-9a-f]{64}$/, "a record hash is 64 hexadecimal characters");
const seconds = z
  .number()
  .nullable()
  .transform((t) => timeOrNull(t));

/** How much of one record the hub keeps: beyond it, the first part and a warning. */
export const RECORD_LIMITS = {
  args: 1_000,
  argChars: 256 * 1024,
  envEntries: 1_000,
  envChars: 256 * 1024,
  path: 65_536,
  name: 4_096,
  warnings: 100,
} as const;

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
  /** The studio's labels for the machine (PROCESS_MONITOR_HOST_TAGS): "lighting", "gpu", "floor-2"; an older agent sends none. */
  tags: z.array(text(40)).max(20).default([]),
  /**
   * The command kinds this agent carries out: the hub sends no other (an agent of before this
   * list carries out the first six, ORIGINAL_COMMANDS).
   */
  commands: z.array(text(40)).max(50).optional(),
});
export type HostFacts = z.infer<typeof hostFactsSchema>;

function isEnvironment(value: unknown): value is Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== "string") return false;
  return true;
}

/**
 * An environment: an object of strings, checked in one loop. zod's record runs every entry
 * through a schema for its key and one for its value, which was most of a report's validation
 * (30 variables a record here, hundreds in a real launch); fitRecord bounds and cleans it after.
 */
const environment = () => z.custom<Record<string, string>>(isEnvironment, { message: "an environment is an object of strings" });

/**
 * One record as reported: the workstation's view of it (status checked there) and its
 * environment; what the view derives for itself (the running time, output growth) the hub
 * derives again.
 */
const reportedShape = processViewSchema.omit(DERIVED_VIEW_FIELDS).extend({ hash, env: environment() });
export type ReportedProcess = z.infer<typeof reportedShape>;

/** The first `max` strings within `chars` in all; how many were left out. */
function fitList(values: string[], max: number, chars: number): { kept: string[]; dropped: number } {
  const kept: string[] = [];
  let used = 0;
  for (const value of values) {
    if (kept.length >= max || used >= chars) break;
    const piece = clip(value, chars - used);
    kept.push(piece);
    used += piece.length;
  }
  return { kept, dropped: values.length - kept.length };
}

/**
 * An environment within the hub's bounds. One already so (nearly always) is kept as it is: 200
 * reports a second each copied every variable of every record otherwise.
 */
function fitEnvironment(source: Record<string, string>, warnings: string[]): Record<string, string> {
  let count = 0;
  let chars = 0;
  for (const key in source) {
    count += 1;
    chars += key.length + source[key]!.length;
  }
  if (count <= RECORD_LIMITS.envEntries && chars <= RECORD_LIMITS.envChars) return source;
  const env: Record<string, string> = {};
  let kept = 0;
  let used = 0;
  let dropped = 0;
  for (const key in source) {
    const value = source[key]!;
    const size = key.length + value.length;
    if (kept >= RECORD_LIMITS.envEntries || used + size > RECORD_LIMITS.envChars) {
      dropped += 1;
      continue;
    }
    env[key] = value;
    kept += 1;
    used += size;
  }
  if (dropped > 0) warnings.push(`${dropped} of ${count} environment variables not reported (too large for the hub)`);
  return env;
}

/**
 * A record as the hub keeps it: every string cleaned, lists and environment bounded, times out
 * of range unknown, each cut said in its warnings. The agent sends records fitted so; the hub
 * fits what it receives again (an older agent, or anyone holding a secret).
 */
export function fitRecord(p: ReportedProcess): ReportedProcess {
  return boundRecord(cleanStrings(p));
}

/** A record whose strings are clean, within the hub's bounds. */
function boundRecord(p: ReportedProcess): ReportedProcess {
  const clipOrNull = (value: string | null, max: number) => (value === null ? null : clip(value, max));
  const warnings = fitList(p.warnings, RECORD_LIMITS.warnings, 64 * 1024).kept;
  const args = fitList(p.args, RECORD_LIMITS.args, RECORD_LIMITS.argChars);
  if (args.dropped > 0) warnings.push(`${args.dropped} of ${p.args.length} arguments not reported (too many for the hub)`);
  const env = fitEnvironment(p.env, warnings);
  const startTime = timeOrNull(p.startTime);
  const endedAt = timeOrNull(p.endedAt);
  const createdAt = isoOrNull(p.createdAt);
  for (const warning of [timeWarning("start time", p.startTime), timeWarning("end time", p.endedAt)]) if (warning) warnings.push(warning);
  if (p.createdAt !== null && createdAt === null)
    warnings.push(`created ${JSON.stringify(clip(p.createdAt, 40))} is not a date (shown as unknown)`);
  return {
    ...p,
    name: clip(p.name, RECORD_LIMITS.name),
    executable: clip(p.executable, RECORD_LIMITS.path),
    currentExecutable: clipOrNull(p.currentExecutable, RECORD_LIMITS.path),
    cwd: clipOrNull(p.cwd, RECORD_LIMITS.path),
    exitSignal: clipOrNull(p.exitSignal, 32),
    user: clipOrNull(p.user, 255),
    stopSignal: clipOrNull(p.stopSignal, 32),
    outputFile: clipOrNull(p.outputFile, RECORD_LIMITS.path),
    args: args.kept,
    env,
    warnings,
    startTime,
    endedAt,
    createdAt,
  };
}

/** A reported record as the hub keeps it in memory: without its environment. */
export type StoredProcess = Omit<ReportedProcess, "env">;

/** A view as an agent reports it: its own fields (derived ones left to the hub) and the environment. */
export function reportedOf(view: ProcessView, env: Record<string, string>): ReportedProcess {
  // Left out of a copy, not deleted from it (a deletion makes a slow dictionary of an object).
  const reported = Object.fromEntries(Object.entries({ ...view, env }).filter(([field]) => !(field in DERIVED_VIEW_FIELDS)));
  return reported as ReportedProcess;
}

// Every field of the view is reported or derived again: a field added to the view on one side
// only fails the build here (as FIELDS does for the registry's columns, lib/registry/row.ts).
type Covered<T extends 0> = T;
export type ReportCoversView = Covered<
  Exclude<keyof ProcessView, keyof ReportedProcess | keyof typeof DERIVED_VIEW_FIELDS> extends never ? 0 : 1
>;

/** A record ended: sent once per record, kept by the agent until the hub accepted it. */
export const exitEventSchema = z.object({
  hash,
  name: fitted(RECORD_LIMITS.name),
  exitCode: z.number().int().nullable(),
  exitSignal: fitted(32).nullable(),
  stopSignal: fitted(32).nullable(),
  endedAt: seconds,
  /** The last lines of its output (for alerts); not stored. */
  lastLines: z
    .array(fitted(4096))
    .transform((lines) => lines.slice(-20))
    .optional(),
  /** Why it ended and its peak memory (for alerts; SPEC "The end record"); an older agent sends neither. */
  endReason: endReasonSchema.nullable().optional(),
  peakMemoryBytes: z.number().finite().nonnegative().nullable().optional(),
});
export type ExitEvent = z.infer<typeof exitEventSchema>;

export const enrollRequestSchema = z.object({
  protocol: z.number().int().min(1),
  hostId: z.string().uuid(),
  machineId: text(255, 1),
  hostname: text(255, 1),
  /** The secret this agent holds for the host, if any: re-enrolling with it needs nobody's approval. */
  currentSecret: text(1024).optional(),
});
export type EnrollRequest = z.infer<typeof enrollRequestSchema>;

/** The hub's answer to an enrolment; checked by the agent before it keeps anything of it. */
export const enrollAnswerSchema = z.object({
  /** The hub's id of this host (the first part of the host secret). */
  hostKey: z.string().min(1).max(255),
  secret: z.string().min(1).max(1024),
  name: z.string().min(1).max(255),
  /** Set when another machine already reports this host id (a cloned disk image). */
  cloneOf: z.string().nullable(),
  /**
   * A known machine enrolling again without its current secret: the secret works once an
   * operator approves it on the hub (until then reports get 403 `PENDING`).
   */
  pending: z.boolean().optional(),
});
export type EnrollAnswer = z.infer<typeof enrollAnswerSchema>;

export const reportShape = z.object({
  protocol: z.number().int().min(1),
  machineId: text(255, 1),
  /** This report's number; the next one builds on it once accepted. */
  seq: z.number().int().min(1),
  /**
   * This agent process (a random id per start, never stored): two of them alternating under
   * one secret are two machines (a full disk clone), which the hub flags instead of merging.
   */
  instance: z.string().max(64).optional(),
  /** This agent process stops after this report: the next one may take the host at once. */
  leaving: z.boolean().optional(),
  /** The accepted report this delta builds on; null with `full` (the whole list). */
  base: z.number().int().min(0).nullable(),
  full: z.boolean(),
  interval: z.number().int().min(1).max(3600),
  facts: hostFactsSchema,
  upserts: z.array(reportedShape).max(100_000),
  removed: z.array(hash).max(100_000),
  events: z.array(exitEventSchema).max(100_000),
});
export type Report = z.infer<typeof reportShape>;

/**
 * A report checked, every string of it then cleaned and its records bounded (fitRecord). Fitted
 * after the check rather than by a zod transform on each record: the same work cost twice as
 * much there, at 200 reports a second on a hub.
 */
export function parseReport(value: unknown): ReturnType<typeof reportShape.safeParse> {
  const parsed = reportShape.safeParse(value);
  if (parsed.success) {
    parsed.data = cleanStrings(parsed.data);
    parsed.data.upserts = parsed.data.upserts.map(boundRecord);
  }
  return parsed;
}

/** The hub's answer to a report: the number it accepted, which the next delta builds on. */
export const reportAnswerSchema = z.object({
  accepted: z.number().int().min(1),
  name: z.string().min(1).max(255),
});
export type ReportAnswer = z.infer<typeof reportAnswerSchema>;

/** Why a report was not taken, beyond the status code: what the agent should do next. */
export type ReportRefusal =
  | { error: string; code: "NEED_FULL"; seq: number }
  | { error: string; code: "REVOKED" }
  | { error: string; code: "UNKNOWN_HOST" }
  | { error: string; code: "CLONE" }
  | { error: string; code: "TAKEOVER_WAIT"; retryAfterSeconds: number }
  | { error: string; code: "PENDING" };

/**
 * What the hub may ask an agent to do. `stop` with `force` is a kill; `range`, `search` and `line`
 * read output; `inspect` reads what a record's page shows that only the workstation knows (its
 * child processes, its sampled usage, its output's last lines), `usage` its CPU and memory now;
 * `launch` starts a program there (no record yet: its hash is empty), only on a workstation that
 * allows it (PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1, which its agent then lists).
 */
export const COMMAND_KINDS = ["stop", "relaunch", "delete", "range", "search", "line", "inspect", "usage", "launch"] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];
/** The workstation's switch for launches from the hub (`1`: its agent lists and carries out `launch`); named by both sides. */
export const REMOTE_LAUNCH_ENV = "PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH";

/** What every agent carries out, including those that do not list their commands in their facts. */
export const ORIGINAL_COMMANDS: ReadonlySet<CommandKind> = new Set(["stop", "relaunch", "delete", "range", "search", "line"]);

/** Whether a host's agent carries out `kind`, by the commands it listed (an older agent lists none: the original six). */
export function agentCarriesOut(facts: Pick<HostFacts, "commands"> | null, kind: CommandKind): boolean {
  return facts?.commands ? facts.commands.includes(kind) : ORIGINAL_COMMANDS.has(kind);
}
/** Commands that change a workstation: audited. */
export const ACTION_KINDS: ReadonlySet<CommandKind> = new Set(["stop", "relaunch", "delete", "launch"]);

export const agentCommandSchema = z.object({
  id: z.string().min(1).max(255),
  kind: z.enum(COMMAND_KINDS),
  /** The record it acts on; empty for a launch (there is none yet). */
  hash: hash.or(z.literal("")),
  args: z.object({
    /** What to launch (`launch`): the same request as the workstation's own form and API. */
    launch: launchRequestSchema.optional(),
    force: z.boolean().optional(),
    offset: z.number().int().min(0).optional(),
    length: z.number().int().min(0).max(MAX_RANGE_BYTES).optional(),
    align: z.enum(["lines", "bytes"]).optional(),
    q: z.string().max(4096).optional(),
    from: z.number().int().min(0).optional(),
    dir: z.enum(["next", "prev"]).optional(),
    count: z.boolean().optional(),
  }),
});
export type AgentCommand = z.infer<typeof agentCommandSchema>;
/** What a command poll answers. */
export const commandsAnswerSchema = z.object({ commands: z.array(agentCommandSchema).max(1000) });

/** An agent's answer to one command. */
export const commandResultSchema = z.object({
  ok: z.boolean(),
  /** A sentence for the person who asked. */
  message: fitted(4096),
  /** What the command produced (a stop's outcome, a new hash, output bytes as base64). */
  data: z
    .record(z.string(), z.unknown())
    .default({})
    .transform((data) => cleanStrings(data)),
});
export type CommandResult = z.infer<typeof commandResultSchema>;

/** Child processes an `inspect` answer carries at the most (a render farm's tree is cut, said on the page). */
export const MAX_INSPECT_NODES = 500;
/** Lines of output an `inspect` answer carries: the detail page's preview. */
export const INSPECT_LINES = 8;

const descendantShape = z.object({
  pid: z.number().int().min(0),
  name: fitted(RECORD_LIMITS.name),
  executable: fitted(RECORD_LIMITS.path).nullable(),
  args: z.array(fitted(4096)).max(RECORD_LIMITS.args),
  cwd: fitted(RECORD_LIMITS.path).nullable(),
  startTime: seconds,
  cpuPercent: z.number().finite().nullable(),
  rssBytes: z.number().finite().nullable(),
});
type DescendantAnswer = z.infer<typeof descendantShape> & { children: DescendantAnswer[] };
const descendantSchema: z.ZodType<DescendantAnswer> = descendantShape.extend({
  children: z.lazy(() => z.array(descendantSchema).max(MAX_INSPECT_NODES)),
});

/** A point of a record's sampled usage as the detail page's chart takes it (ms, CPU %, MB). */
export const chartPointSchema = z.object({
  t: z.number().finite(),
  cpu: z.number().finite().nullable(),
  mem: z.number().finite().nullable(),
});

/** What an agent answers to `inspect`: checked by the hub before a page shows any of it. */
export const inspectAnswerSchema = z.object({
  descendants: z.array(descendantSchema).max(MAX_INSPECT_NODES),
  /** Child processes left out beyond MAX_INSPECT_NODES. */
  descendantsCut: z.number().int().min(0).default(0),
  history: z.array(chartPointSchema).max(2_000),
  output: z.object({
    exists: z.boolean(),
    size: z.number().finite().min(0),
    lastLines: z.array(fitted(16 * 1024)).max(INSPECT_LINES * 4),
  }),
});
export type InspectAnswer = z.infer<typeof inspectAnswerSchema>;

/** What an agent answers to `usage`: a record's tree's CPU and memory now (the live chart's point). */
export const usageAnswerSchema = z.object({
  at: z.number().finite(),
  status: fitted(32),
  treeCpuPercent: z.number().finite(),
  treeRssBytes: z.number().finite(),
});
export type UsageAnswer = z.infer<typeof usageAnswerSchema>;

/** Longest an agent's command poll is held open by the hub. */
export const COMMAND_POLL_SECONDS = 25;

/** Where an agent opens its WebSocket to the hub (SPEC "The agents' channel"). */
export const CHANNEL_PATH = "/api/fleet/channel";

/** What an agent sends on its socket: a report (answered by id), or a command's result. */
export const agentMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("report"), id: z.string().min(1).max(64), report: z.unknown() }),
  z.object({ type: z.literal("result"), id: z.string().min(1).max(255), result: z.unknown() }),
  // A record's output that the hub asked to watch (`watch`) changed: its follower reads now.
  z.object({ type: z.literal("changed"), id: z.string().min(1).max(64) }),
  // A command (sent with `ack`) reached the agent: from now on it is carried out and answered,
  // so the hub no longer puts it back when the socket closes.
  z.object({ type: z.literal("took"), id: z.string().min(1).max(255) }),
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

/**
 * What the hub sends: a report's answer (the HTTP status and body it would have had), a command,
 * or the start and end of a watch of a record's output (someone follows it through the hub).
 */
export const hubMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("report-answer"), id: z.string(), status: z.number().int(), body: z.record(z.string(), z.unknown()) }),
  // `ack`: the agent says `took` on receipt (a hub of before did not ask, and is not told).
  z.object({ type: z.literal("command"), command: agentCommandSchema, ack: z.boolean().optional() }),
  z.object({ type: z.literal("watch"), id: z.string().min(1).max(64), hash: z.string().min(1).max(128) }),
  z.object({ type: z.literal("unwatch"), id: z.string().min(1).max(64) }),
]);
export type HubMessage = z.infer<typeof hubMessageSchema>;

/** How often each side pings the other; one missed answer ends the socket. */
export const HEARTBEAT_SECONDS = 15;
