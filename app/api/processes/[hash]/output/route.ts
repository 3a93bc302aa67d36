import { decimalInt } from "@/lib/validation/query";
import path from "node:path";
import { jsonError, jsonOk } from "@/lib/api/respond";
import { streamFile } from "@/lib/output/download";
import { followOutput } from "@/lib/output/follow";
import { openOutput, readRange, MAX_RANGE_BYTES } from "@/lib/output/range";
import { withOutputFile } from "@/lib/api/output";
import { z } from "zod";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  offset: decimalInt().optional(),
  length: decimalInt(0, MAX_RANGE_BYTES).optional(),
  follow: z.enum(["0", "1"]).optional(),
  download: z.enum(["0", "1"]).optional(),
  format: z.enum(["raw", "json"]).optional(),
  align: z.enum(["lines", "bytes"]).optional(),
});

/**
 * The captured output of one record, by byte ranges (the tail when no offset is given),
 * as a live stream of appended text (`follow=1`, server-sent events, from `offset` or else
 * from the current end), or whole as a download (`download=1`, streamed from disk as the
 * client reads).
 */
export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  const url = new URL(request.url);
  const parsed = querySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    return jsonError(400, `Bad query: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const query = parsed.data;
  return withOutputFile((await params).hash, async (file, record) => {
    if (query.follow === "1") {
      const stream = followOutput(file, { from: query.offset, signal: request.signal });
      return new Response(stream, {
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
      });
    }

    if (query.download === "1") {
      const { handle, size } = await openOutput(file);
      const name = `${record.name || "output"}-${record.pid ?? "nopid"}${path.extname(file) || ".log"}`.replace(/[^A-Za-z0-9._-]+/g, "_");
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

    const range = await readRange(file, { offset: query.offset, length: query.length, alignLines: query.align === "lines" });
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
