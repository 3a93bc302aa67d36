import { errorResponse, jsonOk } from "@/lib/api/respond";
import { processes } from "@/lib/processes/server";

export const dynamic = "force-dynamic";

/** Deletes every inactive record and its output file; says how many, and which files it left alone. */
export async function POST() {
  try {
    return jsonOk(await processes().prune());
  } catch (error) {
    return errorResponse(error);
  }
}
