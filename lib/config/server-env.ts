import { z } from "zod";
import { shared } from "./shared";

/**
 * The switches that decide what a server is and what it runs in the background, read and
 * checked once per process (create-t3-app's env module): the pages, the start-up and the
 * alerts ask here, never the raw environment, so they cannot disagree about whether this is a
 * hub. A value that means nothing is said once in the log and taken as unset.
 */
export interface ServerEnv {
  /** PROCESS_MONITOR_HUB=1: this server gathers a fleet's reports. */
  hub: boolean;
  /** PROCESS_MONITOR_HUB_URL: this workstation's dashboard also reports to that hub. */
  hubUrl: string | null;
  /** PROCESS_MONITOR_ALERT_WEBHOOK: where crash alerts go. */
  alertWebhook: string | null;
  alertsPerMinute: number | undefined;
  alertWindowSeconds: number | undefined;
  /** PROCESS_MONITOR_RETENTION (default on): the hourly automatic pass. */
  automaticRetention: boolean;
  /** PROCESS_MONITOR_HUB_ADMISSIONS: agents' sockets a hub instance opens per second (undefined: the default). */
  admissionsPerSecond: number | undefined;
  /** PROCESS_MONITOR_HUB_ENROLMENTS: new hosts a hub instance enrols a minute (undefined: the default). */
  enrolmentsPerMinute: number | undefined;
}

export const HUB_ENV = "PROCESS_MONITOR_HUB";

const flag =
  (name: string, fallback: boolean, [on, off]: [string, string], warn: (line: string) => void) =>
  (value: string | undefined) => {
    const v = value?.trim();
    if (!v) return fallback;
    if (v === on) return true;
    if (v === off) return false;
    warn(`${name}=${JSON.stringify(value)} is neither ${on} nor ${off}; taken as ${fallback ? on : off}.`);
    return fallback;
  };
const positive = (name: string, warn: (line: string) => void) => (value: string | undefined) => {
  if (!value?.trim()) return undefined;
  const n = Number(value);
  if (Number.isFinite(n) && n > 0) return n;
  warn(`${name}=${JSON.stringify(value)} is not a positive number; the default is used.`);
  return undefined;
};
const text = (value: string | undefined) => value?.trim() || null;

export function parseServerEnv(
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void = (line) => console.warn(`process-monitor: ${line}`),
): ServerEnv {
  const schema = z.object({
    [HUB_ENV]: z
      .string()
      .optional()
      .transform(flag(HUB_ENV, false, ["1", "0"], warn)),
    PROCESS_MONITOR_HUB_URL: z.string().optional().transform(text),
    PROCESS_MONITOR_ALERT_WEBHOOK: z.string().optional().transform(text),
    PROCESS_MONITOR_ALERTS_PER_MINUTE: z.string().optional().transform(positive("PROCESS_MONITOR_ALERTS_PER_MINUTE", warn)),
    PROCESS_MONITOR_ALERT_WINDOW_SECONDS: z.string().optional().transform(positive("PROCESS_MONITOR_ALERT_WINDOW_SECONDS", warn)),
    PROCESS_MONITOR_RETENTION: z
      .string()
      .optional()
      .transform(flag("PROCESS_MONITOR_RETENTION", true, ["on", "off"], warn)),
    PROCESS_MONITOR_HUB_ADMISSIONS: z.string().optional().transform(positive("PROCESS_MONITOR_HUB_ADMISSIONS", warn)),
    PROCESS_MONITOR_HUB_ENROLMENTS: z.string().optional().transform(positive("PROCESS_MONITOR_HUB_ENROLMENTS", warn)),
  });
  const parsed = schema.parse(env);
  return {
    hub: parsed[HUB_ENV] as boolean,
    hubUrl: parsed.PROCESS_MONITOR_HUB_URL,
    alertWebhook: parsed.PROCESS_MONITOR_ALERT_WEBHOOK,
    alertsPerMinute: parsed.PROCESS_MONITOR_ALERTS_PER_MINUTE,
    alertWindowSeconds: parsed.PROCESS_MONITOR_ALERT_WINDOW_SECONDS,
    automaticRetention: parsed.PROCESS_MONITOR_RETENTION,
    admissionsPerSecond: parsed.PROCESS_MONITOR_HUB_ADMISSIONS,
    enrolmentsPerMinute: parsed.PROCESS_MONITOR_HUB_ENROLMENTS,
  };
}

/** This process's switches, read once. */
export function serverEnv(): ServerEnv {
  return shared("server-env", () => parseServerEnv(process.env));
}
