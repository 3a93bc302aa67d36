import "server-only";
import os from "node:os";
import { resolveDbPath } from "../config/paths";
import { Registry } from "../registry/registry";
import { LocalProcesses } from "./local";
import { shared } from "../config/shared";

const opened = shared("registry", () => ({ current: undefined as Promise<Registry> | undefined }));

/** The dashboard's registry: PROCESS_MONITOR_DB or the default file, opened once per server. */
function serverRegistry(): Promise<Registry> {
  if (!opened.current) {
    const opening = Registry.open(resolveDbPath());
    // A failed open (locked, not a registry) is retried on the next request, not cached.
    opening.catch(() => {
      if (opened.current === opening) opened.current = undefined;
    });
    opened.current = opening;
  }
  return opened.current;
}

/** The dashboard's processes: this workstation's registry, through the one door. */
export function processes(): LocalProcesses {
  return shared("processes", () => new LocalProcesses(serverRegistry, { usage: true, baseDir: os.homedir() }));
}
