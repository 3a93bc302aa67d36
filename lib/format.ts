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
