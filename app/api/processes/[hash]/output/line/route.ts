import { lineResponse, localOutput } from "@/lib/api/output";

export const dynamic = "force-dynamic";

/** The line number at a byte offset, so the viewer can number lines it loaded mid-file. */
export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  return lineResponse(request, localOutput((await params).hash));
}
