import { followOutput } from "./follow";
import { lineNumberAt } from "./lines";
import { readRange, type ByteRange } from "./range";
import { withSearchSlot } from "./scan-slots";
import { countMatches, findMatch } from "./search";

export interface RangeArgs {
  offset?: number;
  length?: number;
  align?: "lines" | "bytes";
}

export interface SearchArgs {
  q: string;
  from: number;
  dir: "next" | "prev";
  /** Count the matches instead of finding the next one. */
  count: boolean;
}

/**
 * A record's output wherever it is: a file on this workstation, or one on another read through
 * the hub by its agent. The output routes of both answer from this, so the same query gets the
 * same answer either way (lib/api/output.ts).
 */
export interface OutputSource {
  range(args: RangeArgs): Promise<ByteRange>;
  /**
   * The next or previous match from a byte (`{ match, index }`: its place among all, 1 first,
   * or null when counting to it took too long; `{ match: null, timedOut: true }`), or the count.
   */
  search(args: SearchArgs, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** The line number at a byte offset. */
  line(offset: number): Promise<number>;
  /** Server-sent events of what is appended from `from` (the current end when absent). */
  follow(from: number | undefined, signal: AbortSignal): ReadableStream<Uint8Array>;
}

/** The output file of a record on this machine (its path named by the record, never by a request). */
export function fileOutput(file: string): OutputSource {
  return {
    range: ({ offset, length, align }) => readRange(file, { offset, length, alignLines: align === "lines" }),
    // Whole-file scans share the server's few search slots.
    search: ({ q, from, dir, count }, signal) =>
      withSearchSlot(async () => {
        if (count) return { ...(await countMatches(file, q, undefined, signal)) };
        const hit = await findMatch(file, q, from, dir, undefined, signal);
        if (hit === "timeout") return { match: null, timedOut: true };
        if (!hit) return { match: null };
        // Its place among the matches (the ones before it, counted), unless that takes too long.
        const before = await countMatches(file, q, Date.now() + 2_000, signal, hit.offset);
        return { match: hit, index: before.complete ? before.count + 1 : null };
      }),
    line: (offset) => lineNumberAt(file, offset),
    follow: (from, signal) => followOutput(file, { from, signal }),
  };
}
