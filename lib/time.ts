// The one rule for what counts as a time (seconds since the epoch) wherever a time is shown,
// sorted, sent or turned into a date. No Node APIs: also used in the browser.

/** 9999-12-31T23:59:59Z. Past it a value is a unit mix-up (ms or µs written as seconds), not a time. */
export const LATEST_SECONDS = 253_402_300_799;

/** A finite time between the epoch and the year 9999: one that a Date can show. */
export function isTime(seconds: unknown): seconds is number {
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 && seconds <= LATEST_SECONDS;
}

/** The time, or null ("unknown") when it is not one. */
export function timeOrNull(seconds: number | null | undefined): number | null {
  return isTime(seconds) ? seconds : null;
}

/** ISO 8601 text to seconds; null when it is not a date or out of range. */
export function isoToSeconds(iso: string | null | undefined): number | null {
  if (!iso) return null;
  return timeOrNull(Date.parse(iso) / 1000);
}

export function secondsToIso(seconds: number | null | undefined): string | null {
  const time = timeOrNull(seconds);
  return time === null ? null : new Date(time * 1000).toISOString();
}

/** ISO 8601 text kept only when it is a date in range, normalised; else null. */
export function isoOrNull(iso: string | null | undefined): string | null {
  return secondsToIso(isoToSeconds(iso));
}

/** Why a stored time is shown as unknown, for a record's warnings; null when it is a time. */
export function timeWarning(field: string, seconds: number | null): string | null {
  if (seconds === null || isTime(seconds)) return null;
  return `${field} ${String(seconds).slice(0, 24)} is not a time in seconds since the epoch (shown as unknown)`;
}
