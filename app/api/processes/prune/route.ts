import { errorResponse, jsonOk } from "@/lib/api/respond";
import { getRegistry } from "@/lib/server/registry";

export const dynamic = "force-dynamic";

/** Deletes every inactive record and its output file; says how many. */
export async function POST() {
  try {
    return jsonOk({ deleted: await (await getRegistry()).deleteInactive() });
  } catch (error) {
    return errorResponse(error);
  }
}
