import crypto from "node:crypto";
import { resolveToken } from "./token-file.js";

let cached: { token: string; at: number } | null = null;

/** The server's token (re-read at most every few seconds, so a changed token file takes effect). */
export function serverToken(): string {
  if (!cached || Date.now() - cached.at > 5_000) cached = { token: resolveToken().token, at: Date.now() };
  return cached.token;
}

function digest(value: string): Buffer {
  return crypto.createHash("sha256").update(value, "utf8").digest();
}

/** Constant-time comparison: hashing first makes both sides the same length. */
export function safeEqual(a: string, b: string): boolean {
  return crypto.timingSafeEqual(digest(a), digest(b));
}

export function tokenMatches(candidate: string | null | undefined): boolean {
  return typeof candidate === "string" && candidate.length > 0 && candidate.length < 1024 && safeEqual(candidate, serverToken());
}

/** The cookie holds a value derived from the token, not the token itself. */
export function sessionValue(token = serverToken()): string {
  return crypto.createHmac("sha256", token).update("process-monitor-session-v1").digest("base64url");
}

export function sessionMatches(candidate: string | null | undefined): boolean {
  return typeof candidate === "string" && candidate.length > 0 && candidate.length < 256 && safeEqual(candidate, sessionValue());
}

/** One cookie per port: two dashboards on one machine do not log each other out. */
export function sessionCookieName(host: string | null): string {
  const port = host?.match(/:(\d+)$/)?.[1] ?? "80";
  return `pm_session_${port}`;
}

/** Long-lived (about 400 days, the most browsers keep), so bookmarks keep working. */
export const SESSION_MAX_AGE = 400 * 24 * 3600;
