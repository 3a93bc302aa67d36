import { jsonError, jsonOk, errorResponse } from "@/lib/api/respond";
import { isProcessHash } from "@/lib/registry/hash";
import { toProcessJson } from "@/lib/registry/json";
import { getRegistry } from "@/lib/server/registry";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ hash: string }> }) {
  const { hash } = await params;
  // Anything that is not a hash never reaches the database.
  if (!isProcessHash(hash)) return jsonError(404, "No process record with this hash.");
  try {
    const record = await (await getRegistry()).invalidate(hash);
    return record ? jsonOk(toProcessJson(record)) : jsonError(404, "No process record with this hash.");
  } catch (error) {
    return errorResponse(error);
  }
}
