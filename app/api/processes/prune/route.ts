import { errorResponse, jsonOk } from "@/lib/api/respond";
import { getRegistry } from "@/lib/server/registry";

export const dynamic = "force-dynamic";

/** Deletes every inactive record and its output file; says how many, and which files it left alone. */
export async function POST() {
  try {
    return jsonOk(await (await getRegistry()).removeInactive());
  } catch (error) {
    return errorResponse(error);
  }
}
