import { decimalInt } from "@/lib/validation/query";
import { z } from "zod";
import { jsonError, jsonOk } from "@/lib/api/respond";
import { lineNumberAt } from "@/lib/output/lines";
import { withOutputFile } from "@/lib/api/output";

export const dynamic = "force-dynamic";

const querySchema = z.object({ offset: decimalInt() });

/** The line number at a byte offset, so the viewer can number lines it loaded mid-file. */
export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  const parsed = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return jsonError(400, "offset must be a byte offset (a whole number, 0 or more).");
  return withOutputFile((await params).hash, async (file) =>
    jsonOk({ offset: parsed.data.offset, line: await lineNumberAt(file, parsed.data.offset) }),
  );
}
