import { getProcessJson } from "@/lib/api/processes";
import { codedResponse, errorResponse, jsonOk } from "@/lib/api/respond";
import { processes } from "@/lib/processes/server";
import { roleOf } from "@/lib/auth/role";

export const dynamic = "force-dynamic";

const NOT_FOUND = "No process record with this hash.";

export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  try {
    const record = await getProcessJson((await params).hash, roleOf(request));
    return record ? jsonOk(record) : codedResponse("NOT_FOUND", NOT_FOUND);
  } catch (error) {
    return errorResponse(error);
  }
}

/** Deletes the record and its output file (the process itself is not stopped). */
export async function DELETE(_request: Request, { params }: { params: Promise<{ hash: string }> }) {
  const { hash } = await params;
  try {
    const { deleted, filesLeftAlone } = await processes().remove(hash);
    return deleted ? jsonOk({ deleted: true, hash, filesLeftAlone }) : codedResponse("NOT_FOUND", NOT_FOUND);
  } catch (error) {
    return errorResponse(error);
  }
}
