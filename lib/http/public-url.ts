import os from "node:os";

/**
 * The address people open this dashboard at, for links sent elsewhere (alerts):
 * PROCESS_MONITOR_PUBLIC_URL, else the scheme, HOST (this machine's name for 0.0.0.0/::) and PORT.
 */
export function publicUrl(): string {
  const configured = process.env.PROCESS_MONITOR_PUBLIC_URL?.trim();
  if (configured) return configured.replace(/\/+$/, "");
  const scheme = process.env.PROCESS_MONITOR_TLS_CERT ? "https" : "http";
  const host = process.env.HOST || "127.0.0.1";
  const shown = host === "0.0.0.0" || host === "::" ? os.hostname() : host.includes(":") ? `[${host}]` : host;
  return `${scheme}://${shown}:${process.env.PORT || 3000}`;
}
