import "server-only";
import { resolveDbPath } from "../config/paths";
import { Registry } from "../registry";

const globalCache = globalThis as unknown as { __processMonitorRegistry?: Promise<Registry> };

/** The dashboard's registry: PROCESS_MONITOR_DB or the default file, opened once per server. */
export function getRegistry(): Promise<Registry> {
  if (!globalCache.__processMonitorRegistry) {
    const opening = Registry.open(resolveDbPath());
    // A failed open (locked, not a registry) is retried on the next request, not cached.
    opening.catch(() => {
      if (globalCache.__processMonitorRegistry === opening) globalCache.__processMonitorRegistry = undefined;
    });
    globalCache.__processMonitorRegistry = opening;
  }
  return globalCache.__processMonitorRegistry;
}
