import { z } from "zod";
import type { ByteRange } from "../../output/range";
import { DEFAULT_RANGE_BYTES, MAX_RANGE_BYTES } from "../../output/range";
import type { RangeArgs, SearchArgs } from "../../output/source";
import { boundedTree } from "../bounded-tree";
import { inspectAnswerSchema, usageAnswerSchema, type InspectAnswer, type UsageAnswer } from "../protocol";
import { FleetError } from "./errors";

// An agent's answer to a read is checked against what was asked before anyone uses it: an agent
// (a bug, an old version, someone holding a host secret) can answer anything, and the hub passes
// it to a browser. Out of bounds is refused (502 BAD_ANSWER), never cut into something that looks
// like the file.

const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

function refused(hostName: string, why: string): FleetError {
  return new FleetError("BAD_ANSWER", `${hostName}'s agent answered something this hub cannot use (${why}).`);
}

/** An answer that matches its schema, or BAD_ANSWER. */
export function checkedAnswer<T>(hostName: string, schema: z.ZodType<T>, data: unknown): T {
  let parsed: ReturnType<z.ZodType<T>["safeParse"]>;
  try {
    parsed = schema.safeParse(data);
  } catch {
    throw refused(hostName, "not readable");
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw refused(hostName, `${issue?.path.join(".") || "answer"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

const rangeAnswerSchema = z.object({
  start: offset,
  end: offset,
  size: offset,
  inode: z.number().finite(),
  identity: z.string().max(200).optional(),
  // Base64 of at most MAX_RANGE_BYTES (checked again once decoded).
  base64: z.string().max(Math.ceil(MAX_RANGE_BYTES / 3) * 4),
});

/** A `range` answer: no more bytes than asked, where they were asked, and as many as it says. */
export function checkedRange(hostName: string, args: RangeArgs, data: unknown): ByteRange {
  const answer = checkedAnswer(hostName, rangeAnswerSchema, data);
  const bytes = Buffer.from(answer.base64, "base64");
  const asked = Math.max(0, Math.min(args.length ?? DEFAULT_RANGE_BYTES, MAX_RANGE_BYTES));
  if (bytes.length > asked) throw refused(hostName, `${bytes.length} bytes for a request of ${asked}`);
  if (answer.end - answer.start !== bytes.length || answer.start > answer.end || answer.end > answer.size) {
    throw refused(hostName, `bytes ${answer.start}-${answer.end} of ${answer.size} with ${bytes.length} bytes`);
  }
  // A range from an offset starts there, or after it (aligned to a line), never before.
  if (args.offset !== undefined && (answer.start < Math.min(args.offset, answer.size) || answer.start > args.offset + asked)) {
    throw refused(hostName, `a range from byte ${answer.start} for one asked from ${args.offset}`);
  }
  return {
    start: answer.start,
    end: answer.end,
    size: answer.size,
    inode: answer.inode,
    // An agent of before identities were reported: the inode alone.
    identity: answer.identity ?? String(answer.inode),
    bytes,
  };
}

const hitSchema = z.object({ offset, lineStart: offset });
const searchAnswerSchema = z.union([
  z.object({ count: z.number().int().min(0), complete: z.boolean() }).strict(),
  z.object({ match: z.null(), timedOut: z.literal(true).optional() }).strict(),
  z.object({ match: hitSchema, index: z.number().int().min(1).nullable().optional() }).strict(),
]);

/** A `search` answer: a count, none, or a match on the asked side of `from`, its line starting before it. */
export function checkedSearch(hostName: string, args: SearchArgs, data: unknown): Record<string, unknown> {
  const answer = checkedAnswer(hostName, searchAnswerSchema, data);
  if (args.count !== "count" in answer) throw refused(hostName, args.count ? "no count for a count" : "a count for a search");
  if ("match" in answer && answer.match) {
    const { offset: at, lineStart } = answer.match;
    const side = args.dir === "next" ? at >= args.from : at < args.from;
    if (!side || lineStart > at)
      throw refused(hostName, `a match at byte ${at} (line at ${lineStart}) searching ${args.dir} from ${args.from}`);
  }
  return answer;
}

/** A `line` answer: a line number (1 the first). */
export function checkedLine(hostName: string, data: unknown): number {
  return checkedAnswer(hostName, z.object({ line: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }), data).line;
}

/** An `inspect` answer, its tree held to the bounds an agent keeps (bounded-tree.ts), the nodes beyond counted as cut. */
export function checkedInspect(hostName: string, data: unknown): InspectAnswer {
  const answer = checkedAnswer(hostName, inspectAnswerSchema, data);
  const { descendants, cut } = boundedTree(answer.descendants);
  return { ...answer, descendants, descendantsCut: answer.descendantsCut + cut };
}

export function checkedUsage(hostName: string, data: unknown): UsageAnswer {
  return checkedAnswer(hostName, usageAnswerSchema, data);
}
