import "server-only";
import os from "node:os";
import { resolveDbPath } from "../config/paths";
import { Registry } from "../registry/registry";
import { LocalProcesses } from "./local";

const globalCache = globalThis as unknown as { __processMonitorRegistry?: Promise<Registry>; __pmProcesses?: LocalProcesses };

/** The dashboard's registry: PROCESS_MONITOR_DB or the default file, opened once per server. */
function serverRegistry(): Promise<Registry> {
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

/** The dashboard's processes: this workstation's registry, through the one door. */
export function processes(): LocalProcesses {
  return (globalCache.__pmProcesses ??= new LocalProcesses(serverRegistry, { usage: true, baseDir: os.homedir() }));
}
