import { jsonError, jsonOk } from "@/lib/api/respond";
import { getRegistry } from "@/lib/server/registry";

export const dynamic = "force-dynamic";

/** Liveness for scripts and tests: the server answers and its registry opens. */
export async function GET() {
  try {
    const registry = await getRegistry();
    return jsonOk({ ok: true, registry: registry.dbPath });
  } catch (error) {
    return jsonError(503, (error as Error).message);
  }
}
