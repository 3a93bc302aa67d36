import os from "node:os";
import { isLoopbackHost } from "./token-file.js";

/** Extra names this dashboard answers to while on loopback (comma-separated). */
export const ALLOWED_HOSTS_ENV = "PROCESS_MONITOR_ALLOWED_HOSTS";

function hostnameOf(hostHeader: string): string | null {
  try {
    return new URL(`http://${hostHeader}`).hostname
      .replace(/^\[|\]$/g, "")
      .replace(/\.$/, "")
      .toLowerCase();
  } catch {
    return null;
  }
}

function machineNames(): Set<string> {
  const names = new Set(["localhost"]);
  const full = os.hostname().toLowerCase();
  names.add(full);
  names.add(full.split(".")[0]!);
  for (const extra of (process.env[ALLOWED_HOSTS_ENV] ?? "").split(",")) {
    const name = extra.trim().toLowerCase();
    if (name) names.add(name);
  }
  return names;
}

/**
 * DNS rebinding: a site whose name resolves to 127.0.0.1 reaches a loopback server with
 * its own name in `Host`. While we listen on loopback, only this machine's names pass.
 * Listening elsewhere, the token guards (and a name check would need the public names).
 */
export function hostAllowed(hostHeader: string | null, listenHost = process.env.HOST || "127.0.0.1"): boolean {
  if (!isLoopbackHost(listenHost) && listenHost !== "localhost") return true;
  if (!hostHeader) return false;
  const name = hostnameOf(hostHeader);
  if (!name) return false;
  if (isLoopbackHost(name) || name.endsWith(".localhost")) return true;
  return machineNames().has(name);
}
