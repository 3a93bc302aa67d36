import { jsonError, jsonOk } from "@/lib/api/respond";
import { processes } from "@/lib/processes/server";
import { eventLoopStats } from "@/lib/api/event-loop";
import { alertSender } from "@/lib/alerts/sender";

export const dynamic = "force-dynamic";

/**
 * Liveness for scripts and tests: the server answers and its registry opens; with the
 * event loop's delay since start (or since the last `?reset=1`), so a stall is visible.
 */
export async function GET(request: Request) {
  const reset = new URL(request.url).searchParams.get("reset") === "1";
  try {
    return jsonOk({
      ok: true,
      registry: await processes().registryPath(),
      eventLoop: eventLoopStats(reset),
      alerts: alertSender()?.current() ?? null,
    });
  } catch (error) {
    return jsonError(503, (error as Error).message);
  }
}
