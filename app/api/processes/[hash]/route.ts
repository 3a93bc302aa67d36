import { deleteRecord, getProcessJson } from "@/lib/api/processes";
import { errorResponse, jsonOk } from "@/lib/api/respond";
import { roleOf } from "@/lib/auth/role";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  try {
    return jsonOk(await getProcessJson((await params).hash, roleOf(request)));
  } catch (error) {
    return errorResponse(error);
  }
}

/** Deletes the record and its output file (the process itself is not stopped). */
export async function DELETE(_request: Request, { params }: { params: Promise<{ hash: string }> }) {
  try {
    return jsonOk(await deleteRecord((await params).hash));
  } catch (error) {
    return errorResponse(error);
  }
}
