import "server-only";
import path from "node:path";
import { z } from "zod";
import { streamFile } from "../output/download";
import { DEFAULT_RANGE_BYTES, MAX_RANGE_BYTES, openOutput } from "../output/range";
import { fileOutput, type OutputSource } from "../output/source";
import { processes } from "../processes/server";
import { refusalText } from "../validation/errors";
import { decimalInt } from "../validation/query";
import { codedResponse, errorResponse, jsonOk } from "./respond";

// The output API, once, for a workstation's records and for the fleet's through the hub (docs/api.md,
// the output routes): the same query, the same limits, the same answers. Only a whole-file download stays
// on the workstation.

export const outputQuerySchema = z.object({
  offset: decimalInt().optional(),
  length: decimalInt(0, MAX_RANGE_BYTES).default(DEFAULT_RANGE_BYTES),
  follow: z.enum(["0", "1"]).optional(),
  download: z.enum(["0", "1"]).optional(),
  format: z.enum(["raw", "json"]).optional(),
  align: z.enum(["lines", "bytes"]).optional(),
});

export const searchQuerySchema = z.object({
  q: z.string().min(1, "q is required").max(1000, "q is longer than 1000 characters"),
  from: decimalInt().default(0),
  dir: z.enum(["next", "prev"]).default("next"),
  count: z.enum(["0", "1"]).optional(),
});

export const lineQuerySchema = z.object({ offset: decimalInt() });

/** Output errors a follow stream tells as its events rather than as an error answer. */
const STREAM_SAYS = new Set<unknown>(["OUTPUT_MISSING", "NOT_A_FILE"]);

/** Where an output route reads: the source, and how to download it whole where that is possible. */
export interface OutputTarget {
  source: OutputSource;
  /** The file and the download's name (a workstation's own records only). */
  download?: { file: string; name: string };
}

async function answer(open: () => Promise<OutputTarget>, respond: (target: OutputTarget) => Promise<Response>): Promise<Response> {
  try {
    return await respond(await open());
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * GET …/output: byte ranges (the tail when no offset is given), raw or `format=json`; a live
 * stream of appended text (`follow=1`, server-sent events, from `offset` or else from the
 * current end); or whole as a download (`download=1`, streamed from disk as the client reads).
 */
export async function outputResponse(request: Request, open: () => Promise<OutputTarget>): Promise<Response> {
  const parsed = outputQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return codedResponse("INVALID", refusalText("Bad query", parsed.error));
  const query = parsed.data;
  return answer(open, async ({ source, download }) => {
    if (query.follow === "1") {
      // Asked once up front: an unknown record, or a host that cannot be asked, is a plain error,
      // not an empty stream. What the file is (gone: `missing`; not a file: `error`) is the stream's to say.
      const now = await source.range({ offset: query.offset ?? 0, length: 0 }).catch((error: unknown) => {
        if (!STREAM_SAYS.has((error as { code?: unknown }).code)) throw error;
      });
      // Without an offset, from the end this read found (a remote source is not asked twice).
      return new Response(source.follow(query.offset ?? now?.size, request.signal), {
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
      });
    }
    if (query.download === "1") {
      if (!download) {
        return codedResponse(
          "INVALID",
          "Whole-file downloads are not carried through the hub: download from the workstation's own dashboard.",
        );
      }
      return downloadResponse(download.file, download.name);
    }
    const range = await source.range({ offset: query.offset, length: query.length, align: query.align });
    if (query.format === "json") {
      return jsonOk({
        start: range.start,
        end: range.end,
        size: range.size,
        inode: range.inode,
        text: new TextDecoder("utf-8", { fatal: false }).decode(range.bytes),
      });
    }
    return new Response(new Uint8Array(range.bytes), {
      headers: {
        "content-type": "application/octet-stream",
        "content-range": `bytes ${range.start}-${Math.max(range.start, range.end - 1)}/${range.size}`,
        "x-output-start": String(range.start),
        "x-output-end": String(range.end),
        "x-output-size": String(range.size),
        "cache-control": "no-store",
      },
    });
  });
}

async function downloadResponse(file: string, name: string): Promise<Response> {
  const { handle, size } = await openOutput(file);
  const headers = {
    "content-type": "application/octet-stream",
    "content-length": String(size),
    "content-disposition": `attachment; filename="${name}"`,
    "cache-control": "no-store",
  };
  if (size === 0) {
    await handle.close();
    return new Response("", { headers });
  }
  // The size as opened: a log that grows meanwhile still matches its content-length.
  return new Response(streamFile(handle, size), { headers });
}

/** GET …/output/search: the next/previous match from a byte, or the count (`count=1`), over the whole output. */
export async function searchResponse(request: Request, open: () => Promise<OutputTarget>): Promise<Response> {
  const parsed = searchQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return codedResponse("INVALID", refusalText("Bad query", parsed.error));
  const { q, from, dir, count } = parsed.data;
  return answer(open, async ({ source }) => jsonOk(await source.search({ q, from, dir, count: count === "1" }, request.signal)));
}

/** GET …/output/line: the line number at a byte offset, so the viewer can number lines it loaded mid-file. */
export async function lineResponse(request: Request, open: () => Promise<OutputTarget>): Promise<Response> {
  const parsed = lineQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return codedResponse("INVALID", "offset must be a byte offset (a whole number, 0 or more).");
  const { offset } = parsed.data;
  return answer(open, async ({ source }) => jsonOk({ offset, line: await source.line(offset) }));
}

/** A record of this workstation, by hash: its output file as the record names it (nothing from a URL becomes a path). */
export function localOutput(hash: string): () => Promise<OutputTarget> {
  return async () => {
    const { file, record } = await processes().outputOf(hash);
    const name = `${record.name || "output"}-${record.pid ?? "nopid"}${path.extname(file) || ".log"}`.replace(/[^A-Za-z0-9._-]+/g, "_");
    return { source: fileOutput(file), download: { file, name } };
  };
}
