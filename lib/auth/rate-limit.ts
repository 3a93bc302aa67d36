/**
 * Failed logins per address: at most maxFailures() a minute; beyond that, refused until the
 * oldest counted failure leaves the window. Kept in memory: a restart forgets, which costs
 * an attacker a restart they cannot cause.
 */
export const WINDOW_MS = 60_000;

/** PROCESS_MONITOR_LOGIN_TRIES, default 5 wrong tokens a minute per address. */
export function maxFailures(): number {
  const n = Number(process.env.PROCESS_MONITOR_LOGIN_TRIES);
  return Number.isInteger(n) && n > 0 ? n : 5;
}

const globalCache = globalThis as unknown as { __pmLoginFailures?: Map<string, number[]> };
const failures = (globalCache.__pmLoginFailures ??= new Map<string, number[]>());

function recent(address: string, at: number): number[] {
  const kept = (failures.get(address) ?? []).filter((t) => at - t < WINDOW_MS);
  if (kept.length) failures.set(address, kept);
  else failures.delete(address);
  return kept;
}

/** Seconds to wait before trying again, or 0 when a try is allowed now. */
export function retryAfterSeconds(address: string, at = Date.now()): number {
  const kept = recent(address, at);
  const max = maxFailures();
  if (kept.length < max) return 0;
  return Math.max(1, Math.ceil((kept[kept.length - max]! + WINDOW_MS - at) / 1000));
}

export function recordFailure(address: string, at = Date.now()): void {
  const kept = recent(address, at);
  kept.push(at);
  failures.set(address, kept);
  // Bound memory under a flood of addresses: drop the oldest entries.
  if (failures.size > 10_000) failures.delete(failures.keys().next().value!);
}

export function clearFailures(address: string): void {
  failures.delete(address);
}
