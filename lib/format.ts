// Formatting for the dashboard's pages and components (no Node APIs: also used in the browser).

import { looksLikeWindowsPath, quoteWindowsArgument, quoteWindowsProgram } from "./text/windows";
import { isTime } from "./time";

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "–";
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s % 60}s`;
}

/** Steps a time axis ticks at, in ms: "nice" durations, so that ticks are round and never repeat. */
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

/**
 * Where a chart of a run from `start` to `end` (ms) ticks: elapsed-time marks from its start at
 * the smallest nice step that makes at most `most` of them (a 5 s run: every second; two
 * minutes: every 30 s), each once.
 */
export function elapsedTicks(start: number, end: number, most = 6): number[] {
  const span = Math.max(0, end - start);
  const step = TICK_STEPS.find((s) => span / s <= most - 1) ?? Math.ceil(span / (most - 1) / 86_400_000) * 86_400_000;
  const ticks: number[] = [];
  for (let at = 0; at <= span; at += step) ticks.push(start + at);
  return ticks;
}

/**
 * A percentage axis from 0 to at least 10, ticking at 1, 2 or 5 times a power of ten, at most
 * `most` steps (0/2/…/10 for an idle process, 0/50/…/200 for a tree on several cores): whole,
 * evenly spaced numbers, never Recharts' rounded 0/3/6/10 of quarter steps.
 */
export function percentTicks(max: number, most = 5): number[] {
  const top = Math.max(10, Number.isFinite(max) ? max : 0);
  for (let scale = 1; ; scale *= 10) {
    const step = [1, 2, 5].map((m) => m * scale).find((s) => Math.ceil(top / s) <= most);
    if (step) return Array.from({ length: Math.ceil(top / step) + 1 }, (_, i) => i * step);
  }
}

/** Time since a run's start as a chart's axis says it: "+0s", "+45s", "+1m 30s", "+2h 5m", "+3d 4h". */
export function formatElapsed(ms: number): string {
  return `+${formatDuration(Math.max(0, Math.round(ms / 1000)))}`;
}

/** CPU seconds as the detail page and `show` say them: tenths under 10 s. */
export function formatCpuTime(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m}m ${Math.round(seconds % 60)}s`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** A POSIX shell word: left bare when safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line to copy: quoted for a POSIX shell, or as Windows programs read their
 * command line when the executable is a Windows path.
 */
export function commandLine(executable: string, args: string[]): string {
  if (looksLikeWindowsPath(executable)) {
    return [quoteWindowsProgram(executable), ...args.map(quoteWindowsArgument)].join(" ");
  }
  return [executable, ...args].map(shellQuote).join(" ");
}

/** "3 minutes ago" style text for a time in seconds since the epoch. */
export function relativeTime(seconds: number | null, nowMs = Date.now()): string {
  if (seconds === null) return "–";
  if (!isTime(seconds)) return "unknown";
  const diff = nowMs / 1000 - seconds;
  const abs = Math.abs(diff);
  // Seconds count under a minute: a host that went offline 40 s ago must not read "just now".
  const text =
    abs < 5
      ? "just now"
      : abs < 60
        ? `${Math.floor(abs)} s`
        : abs < 3600
          ? `${Math.round(abs / 60)} min`
          : abs < 86400
            ? `${Math.round(abs / 3600)} h`
            : `${Math.round(abs / 86400)} d`;
  if (text === "just now") return text;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}
