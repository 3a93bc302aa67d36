/**
 * How much the registry and its output folder may hold (SPEC "Retention"). A null limit is
 * not applied. Running records and their output are never touched, whatever the limits.
 */
export interface RetentionPolicy {
  /** Stopped records older than this many days go. */
  keepDays: number | null;
  /** At most this many stopped records stay (the newest). */
  keepRecords: number | null;
  /** The output folder's files together stay under this many bytes. */
  maxOutputBytes: number | null;
}

const MB = 1024 * 1024;
export const DEFAULT_POLICY: RetentionPolicy = { keepDays: 14, keepRecords: 1_000, maxOutputBytes: 10_240 * MB };

export class PolicyError extends Error {}

function positive(raw: string | undefined, name: string): number | null | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  if (raw.trim() === "0" || /^(off|none)$/i.test(raw.trim())) return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new PolicyError(`${name} must be a number of 0 or more (0 or "off": no limit), not "${raw}".`);
  return n;
}

/** PROCESS_MONITOR_KEEP_DAYS, _KEEP_RECORDS, _KEEP_OUTPUT_MB over the defaults. */
export function policyFromEnv(env: Record<string, string | undefined> = process.env): RetentionPolicy {
  const days = positive(env.PROCESS_MONITOR_KEEP_DAYS, "PROCESS_MONITOR_KEEP_DAYS");
  const records = positive(env.PROCESS_MONITOR_KEEP_RECORDS, "PROCESS_MONITOR_KEEP_RECORDS");
  const mb = positive(env.PROCESS_MONITOR_KEEP_OUTPUT_MB, "PROCESS_MONITOR_KEEP_OUTPUT_MB");
  return {
    keepDays: days === undefined ? DEFAULT_POLICY.keepDays : days,
    keepRecords: records === undefined ? DEFAULT_POLICY.keepRecords : records === null ? null : Math.floor(records),
    maxOutputBytes: mb === undefined ? DEFAULT_POLICY.maxOutputBytes : mb === null ? null : mb * MB,
  };
}

const AGE_UNITS: Record<string, number> = { s: 1 / 86400, m: 1 / 1440, h: 1 / 24, d: 1, w: 7 };

/** `7d`, `12h`, `30m`, `2w`, or a plain number of days; in days. */
export function parseAge(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(text);
  if (!match) throw new PolicyError(`--older-than takes an age such as 7d, 12h, 30m or 2w, not "${text}".`);
  return Number(match[1]) * AGE_UNITS[(match[2] || "d").toLowerCase()]!;
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: MB, g: 1024 * MB, t: 1024 * 1024 * MB };

/** `5G`, `500M`, `10240K`, or plain bytes; in bytes. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!match) throw new PolicyError(`--max-output takes a size such as 5G, 500M or 10240K, not "${text}".`);
  return Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? "").toLowerCase()]!);
}

export function describePolicy(policy: RetentionPolicy): string {
  const parts = [
    policy.keepDays !== null ? `stopped records for ${+policy.keepDays.toFixed(3)} days` : null,
    policy.keepRecords !== null ? `at most ${policy.keepRecords} stopped records` : null,
    policy.maxOutputBytes !== null ? `output under ${Math.round(policy.maxOutputBytes / MB)} MB` : null,
  ].filter(Boolean);
  return parts.length ? `keep ${parts.join(", ")}` : "no limits";
}
