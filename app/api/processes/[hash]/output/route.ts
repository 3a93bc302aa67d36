import { localOutput, outputResponse } from "@/lib/api/output";

export const dynamic = "force-dynamic";

/** A record's captured output: ranges, a live follow, or a download (lib/api/output.ts). */
export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  return outputResponse(request, localOutput((await params).hash));
}
