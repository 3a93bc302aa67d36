import { localOutput, searchResponse } from "@/lib/api/output";

export const dynamic = "force-dynamic";

/** Search over the whole output file: the next/previous match from a byte, or the count. */
export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  return searchResponse(request, localOutput((await params).hash));
}
