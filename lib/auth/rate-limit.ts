/**
 * Wrong credentials per address and kind (a login, the API's bearer token, the fleet key, a
 * host secret): at most maxFailures() a minute; beyond that a wrong one is answered 429 at
 * once, without any work, until the oldest counted failure leaves the window. The right
 * credential is always checked first and always accepted: behind a TLS proxy every client can
 * share one address, and a limiter that refused the right token would let anyone lock everyone
 * out. (The tokens are 128-bit random values: what the limit bounds is the cost of a flood and
 * the noise it makes, not the odds of a guess.) Kept in memory: a restart forgets.
 */
export type CredentialKind = "login" | "bearer" | "fleet-key" | "host-secret";
import { shared } from "../config/shared";
export const WINDOW_MS = 60_000;

/**
 * PROCESS_MONITOR_LOGIN_TRIES, default 5 wrong tokens a minute per address (logins and the
 * API's bearer token); agents' credentials get more room, since a fleet behind one NAT
 * re-enrolling after a hub lost its store shares one address.
 */
export function maxFailures(kind: CredentialKind = "login"): number {
  const n = Number(process.env.PROCESS_MONITOR_LOGIN_TRIES);
  const base = Number.isInteger(n) && n > 0 ? n : 5;
  return kind === "host-secret" ? base * 24 : kind === "fleet-key" ? base * 4 : base;
}

const failures = shared("wrong-credentials", () => new Map<string, number[]>());

function recent(key: string, at: number): number[] {
  const kept = (failures.get(key) ?? []).filter((t) => at - t < WINDOW_MS);
  if (kept.length) failures.set(key, kept);
  else failures.delete(key);
  return kept;
}

/** Seconds before a wrong credential of this kind from this address is looked at again; 0 now. */
export function retryAfterSeconds(address: string, at = Date.now(), kind: CredentialKind = "login"): number {
  const kept = recent(`${kind} ${address}`, at);
  const max = maxFailures(kind);
  if (kept.length < max) return 0;
  return Math.max(1, Math.ceil((kept[kept.length - max]! + WINDOW_MS - at) / 1000));
}

export function recordFailure(address: string, at = Date.now(), kind: CredentialKind = "login"): void {
  const key = `${kind} ${address}`;
  const kept = recent(key, at);
  kept.push(at);
  failures.set(key, kept);
  // Bound memory under a flood of addresses: drop the oldest entries.
  if (failures.size > 10_000) failures.delete(failures.keys().next().value!);
}

export function clearFailures(address: string, kind: CredentialKind = "login"): void {
  failures.delete(`${kind} ${address}`);
}

/**
 * A wrong credential of `kind` from `address`: counted, and whether to answer it with 429 (the
 * seconds to wait) rather than the usual refusal.
 */
export function wrongCredential(address: string, kind: CredentialKind, at = Date.now()): number {
  const wait = retryAfterSeconds(address, at, kind);
  if (wait === 0) recordFailure(address, at, kind);
  return wait;
}
