import "server-only";
import { alertSender } from "../alerts/sender";
import { fleet, isHub } from "../fleet/hub/server";
import { processes } from "../processes/server";
import { eventLoopStats } from "./event-loop";
import { jsonOk } from "./respond";
import { internalFailure, knownFailure } from "../failure";

/** How long a check may take before the server counts as not serving (a load balancer's view). */
const CHECK_MS = 3_000;

interface Check {
  ok: boolean;
  error?: string;
}

async function within<T>(what: string, run: () => Promise<T>): Promise<Check & { value?: T }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${CHECK_MS / 1000} s (locked by another program?)`)),
      CHECK_MS,
    );
  });
  try {
    return { ok: true, value: await Promise.race([run(), late]) };
  } catch (error) {
    return { ok: false, error: checkFailure(what, error) };
  } finally {
    clearTimeout(timer);
  }
}

/** What a failed check says: what is down, in our words; never the driver's ("Invalid `prisma.$queryRawUnsafe()` invocation:"). */
function checkFailure(what: string, error: unknown): string {
  const message = (error as Error)?.message ?? "";
  if (message.startsWith(what)) return message;
  const known = knownFailure(error);
  if (known) return known.message;
  return `${what} could not be read (reference ${internalFailure(error).ref} in the server's log).`;
}

/**
 * GET /api/health: 200 while the server can do its work, 503 when it cannot (its registry, or
 * on a hub its fleet store, cannot be read), so a load balancer takes a dead hub out of
 * rotation. With the event loop's delay since start or the last reset (POST ?reset=1).
 */
export async function health(): Promise<Response> {
  const [registryPath, registry, store] = await Promise.all([
    processes()
      .registryPath()
      .catch(() => null),
    within("The registry", () => processes().countRecords()),
    isHub() ? within("The fleet store", () => fleet().checkStore()) : Promise.resolve(null),
  ]);
  const checks = {
    registry: { ok: registry.ok, ...(registry.error ? { error: registry.error } : {}) },
    ...(store ? { fleetStore: { ok: store.ok, ...(store.error ? { error: store.error } : {}) } } : {}),
  };
  const ok = registry.ok && (store?.ok ?? true);
  return jsonOk(
    {
      ok,
      ...(ok ? {} : { error: [registry.error, store?.error].filter(Boolean).join("; ") }),
      registry: registryPath,
      checks,
      eventLoop: eventLoopStats(),
      alerts: alertSender()?.current() ?? null,
    },
    ok ? 200 : 503,
  );
}

/** POST /api/health?reset=1: starts the event-loop figures afresh (an operator's; the proxy refuses viewers). */
export function resetHealth(request: Request): Response {
  if (new URL(request.url).searchParams.get("reset") !== "1") return jsonOk({ reset: false });
  return jsonOk({ reset: true, eventLoop: eventLoopStats(true) });
}
