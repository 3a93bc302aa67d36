import { jsonError, jsonOk, errorResponse } from "@/lib/api/respond";
import { processes } from "@/lib/processes/server";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ hash: string }> }) {
  try {
    const usage = await processes().usage((await params).hash);
    return usage ? jsonOk(usage) : jsonError(404, "No process record with this hash.");
  } catch (error) {
    return errorResponse(error);
  }
}
