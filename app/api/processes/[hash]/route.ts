import { errorResponse, jsonError, jsonOk } from "@/lib/api/respond";
import { isProcessHash } from "@/lib/registry/hash";
import { toProcessJson } from "@/lib/registry/json";
import { getRegistry } from "@/lib/server/registry";

export const dynamic = "force-dynamic";

const NOT_FOUND = "No process record with this hash.";

export async function GET(_request: Request, { params }: { params: Promise<{ hash: string }> }) {
  const { hash } = await params;
  // Anything that is not a hash never reaches the database.
  if (!isProcessHash(hash)) return jsonError(404, NOT_FOUND);
  try {
    const record = await (await getRegistry()).invalidate(hash);
    return record ? jsonOk(toProcessJson(record)) : jsonError(404, NOT_FOUND);
  } catch (error) {
    return errorResponse(error);
  }
}

/** Deletes the record and its output file (the process itself is not stopped). */
export async function DELETE(_request: Request, { params }: { params: Promise<{ hash: string }> }) {
  const { hash } = await params;
  if (!isProcessHash(hash)) return jsonError(404, NOT_FOUND);
  try {
    const { deleted, filesLeftAlone } = await (await getRegistry()).remove(hash);
    return deleted ? jsonOk({ deleted: true, hash, filesLeftAlone }) : jsonError(404, NOT_FOUND);
  } catch (error) {
    return errorResponse(error);
  }
}
