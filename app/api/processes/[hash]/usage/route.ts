import { jsonError, jsonOk, errorResponse } from "@/lib/api/respond";
import { getProcessUsage } from "@/lib/dashboard/detail";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ hash: string }> }) {
  try {
    const usage = await getProcessUsage((await params).hash);
    return usage ? jsonOk(usage) : jsonError(404, "No process record with this hash.");
  } catch (error) {
    return errorResponse(error);
  }
}
