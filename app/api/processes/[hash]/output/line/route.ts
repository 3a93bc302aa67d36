import { decimalInt } from "@/lib/validation/query";
import { z } from "zod";
import { errorResponse, jsonError, jsonOk } from "@/lib/api/respond";
import { lineNumberAt } from "@/lib/output/lines";
import { OutputMissingError } from "@/lib/output/range";
import { outputOf } from "@/lib/output/record-output";

export const dynamic = "force-dynamic";

const querySchema = z.object({ offset: decimalInt() });

/** The line number at a byte offset, so the viewer can number lines it loaded mid-file. */
export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  const parsed = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return jsonError(400, "offset must be a byte offset (a whole number, 0 or more).");
  try {
    const found = await outputOf((await params).hash);
    if (!found) return jsonError(404, "No process record with this hash.");
    if (!found.file) return jsonError(404, "This process has no output file recorded.", { code: "NO_OUTPUT" });
    return jsonOk({ offset: parsed.data.offset, line: lineNumberAt(found.file, parsed.data.offset) });
  } catch (error) {
    if (error instanceof OutputMissingError) return jsonError(404, error.message, { code: "OUTPUT_MISSING" });
    return errorResponse(error);
  }
}
