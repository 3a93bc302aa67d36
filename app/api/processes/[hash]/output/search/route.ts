import { decimalInt } from "@/lib/validation/query";
import { z } from "zod";
import { errorResponse, jsonError, jsonOk } from "@/lib/api/respond";
import { OutputMissingError } from "@/lib/output/range";
import { outputOf } from "@/lib/output/record-output";
import { countMatches, findMatch } from "@/lib/output/search";

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
  try {
    const found = await outputOf((await params).hash);
    if (!found) return jsonError(404, "No process record with this hash.");
    if (!found.file) return jsonError(404, "This process has no output file recorded.", { code: "NO_OUTPUT" });
    const { q, from, dir } = parsed.data;
    if (parsed.data.count === "1") return jsonOk(countMatches(found.file, q));
    const hit = findMatch(found.file, q, from, dir);
    if (hit === "timeout") return jsonOk({ match: null, timedOut: true });
    return jsonOk({ match: hit });
  } catch (error) {
    if (error instanceof OutputMissingError) return jsonError(404, error.message, { code: "OUTPUT_MISSING" });
    return errorResponse(error);
  }
}
