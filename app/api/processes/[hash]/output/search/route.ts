import { decimalInt } from "@/lib/validation/query";
import { z } from "zod";
import { jsonError, jsonOk } from "@/lib/api/respond";
import { withOutputFile } from "@/lib/api/output";
import { countMatches, findMatch } from "@/lib/output/search";
import { withSearchSlot } from "@/lib/output/scan-slots";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  q: z.string().min(1, "q is required").max(1000, "q is longer than 1000 characters"),
  from: decimalInt().default(0),
  dir: z.enum(["next", "prev"]).default("next"),
  count: z.enum(["0", "1"]).optional(),
});

/** Search over the whole output file, by ranges: the next/previous match from a byte, or the count. */
export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  const parsed = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return jsonError(400, parsed.error.issues.map((i) => i.message).join("; "));
  const { q, from, dir, count } = parsed.data;
  return withOutputFile((await params).hash, (file) =>
    withSearchSlot(async () => {
      if (count === "1") return jsonOk(await countMatches(file, q, undefined, request.signal));
      const hit = await findMatch(file, q, from, dir, undefined, request.signal);
      return jsonOk(hit === "timeout" ? { match: null, timedOut: true } : { match: hit });
    }),
  );
}
