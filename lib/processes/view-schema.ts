import { z } from "zod";
import { END_KINDS } from "../registry/end-reason";
import { clip } from "../text/clean";

// The one description of a record prepared for display. `ProcessView` is its type; the fleet's
// protocol derives the record an agent reports from it (lib/fleet/protocol.ts), so a field
// added here is reported, stored and shown by the hub without being written out again.
// Free of Node APIs: client components import the type.

export const DISPLAY_STATUSES = ["running", "unverified", "stopped", "children"] as const;

/** A string cut to `max` rather than refused: a program's last line can be any length, and a report is never refused for its content. */
const cut = (max: number) => z.string().transform((s) => clip(s, max));

/** Why a record ended (lib/registry/end-reason.ts decides it). */
export const endReasonSchema = z.object({
  kind: z.enum(END_KINDS),
  text: cut(1000),
  pattern: cut(100).optional(),
  line: cut(600).optional(),
});

export const processViewSchema = z.object({
  hash: z.string(),
  name: z.string(),
  pid: z.number().int().nullable(),
  executable: z.string(),
  /** What the process runs now when it exec'd another program (null otherwise). */
  currentExecutable: z.string().nullable(),
  args: z.array(z.string()),
  cwd: z.string().nullable(),
  /** The registry's status, plus "children": the process ended and children it left run. */
  status: z.enum(DISPLAY_STATUSES),
  exitCode: z.number().int().nullable(),
  exitSignal: z.string().nullable(),
  /** The strongest signal a stop of ours sent, when the end was ours. */
  stopSignal: z.string().nullable(),
  /** Whether a keeper of ours waited for it: its end is observed, not guessed. */
  exitObserved: z.boolean(),
  startTime: z.number().nullable(),
  endedAt: z.number().nullable(),
  createdAt: z.string().nullable(),
  /** Seconds: until now while running, until the end when known. */
  runtime: z.number().nullable(),
  /** The process and its descendants together: the one figure lists, sorting and the fleet show. */
  cpuPercent: z.number().finite().nullable(),
  rssBytes: z.number().finite().nullable(),
  /** The process's own share of those (the detail page shows it beside the whole). */
  ownCpuPercent: z.number().finite().nullable().default(null),
  ownRssBytes: z.number().finite().nullable().default(null),
  outputFile: z.string().nullable(),
  outputSize: z.number().finite().nullable(),
  /** Bytes per second the output grew lately (running records, as this server saw it). */
  outputGrowth: z.number().nullable(),
  /** A running record whose output alone is huge (see lib/processes/growth.ts). */
  runawayOutput: z.boolean(),
  liveChildren: z.number().int().min(0),
  warnings: z.array(z.string()),
  /** What outlives the process (SPEC "The end record"): the highest memory of its tree (or its own high-water mark). */
  // Defaults: an agent of an older version reports none of these.
  peakMemoryBytes: z.number().finite().nullable().default(null),
  /** User + system CPU seconds of the program and its children, so far or at its end. */
  cpuSeconds: z.number().finite().nullable().default(null),
  /** Why it ended; null while it runs, or when nothing is known of its end. */
  endReason: endReasonSchema.nullable().default(null),
  /**
   * The operating-system user who launched it (recorded at launch), or for another launcher's
   * record the owner of its process while it runs; an older agent reports none.
   */
  user: z.string().nullable().default(null),
  /** How many arguments the record has, when `args` holds only the first of them (shownView). */
  argCount: z.number().int().min(0).optional(),
});

/** A record prepared for display (plain data, safe to pass to client components). */
export type ProcessView = z.infer<typeof processViewSchema>;

/** What the dashboard shows for a status: the registry's, plus "children running". */
export type DisplayStatus = ProcessView["status"];

/**
 * The view's fields that a reader works out for itself rather than being told: the running time
 * moves on, growth is this server's own measure, the argument count belongs to a page's cut.
 */
export const DERIVED_VIEW_FIELDS = { runtime: true, outputGrowth: true, argCount: true } as const;
