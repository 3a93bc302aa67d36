import crypto from "node:crypto";
import { resolveToken } from "./token-file.js";
import { sessionStore } from "./sessions";
import { bearerToken } from "../http/headers";

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

/** Operators may act; viewers only look (no actions, no environment values). */
export type Role = "operator" | "viewer";

export const VIEWER_TOKEN_ENV = "PROCESS_MONITOR_VIEWER_TOKEN";

/** PROCESS_MONITOR_VIEWER_TOKEN, when set long enough to be a secret (else no viewer access). */
export function viewerToken(): string | null {
  const value = process.env[VIEWER_TOKEN_ENV]?.trim();
  return value && value.length >= 16 && value !== serverToken() ? value : null;
}

export const METRICS_TOKEN_ENV = "PROCESS_MONITOR_METRICS_TOKEN";

/** Whether a token may read GET /metrics: the operator's, or PROCESS_MONITOR_METRICS_TOKEN (a scraper's, which opens nothing else). */
export function metricsTokenMatches(candidate: string | null | undefined): boolean {
  if (tokenMatches(candidate)) return true;
  const value = process.env[METRICS_TOKEN_ENV]?.trim();
  return Boolean(value && value.length >= 16 && typeof candidate === "string" && candidate.length < 1024 && safeEqual(candidate, value));
}

/** The role a presented token gives, or null. */
export function roleOfToken(candidate: string | null | undefined): Role | null {
  if (tokenMatches(candidate)) return "operator";
  const viewer = viewerToken();
  if (viewer && typeof candidate === "string" && candidate.length < 1024 && safeEqual(candidate, viewer)) return "viewer";
  return null;
}

/** The token a role logs in with (sessions are bound to it). */
export function tokenOfRole(role: Role): string {
  return role === "viewer" ? (viewerToken() ?? serverToken()) : serverToken();
}

/** One cookie per port: two dashboards on one machine do not log each other out. */
export function sessionCookieName(host: string | null): string {
  const port = host?.match(/:(\d+)$/)?.[1] ?? "80";
  return `pm_session_${port}`;
}

/**
 * The cookie lives about 400 days (the most browsers keep), so bookmarks keep working;
 * the session behind it ends after an idle period, at logout, or with a new token.
 */
export const SESSION_MAX_AGE = 400 * 24 * 3600;

export function sessionCookieOptions(maxAge = SESSION_MAX_AGE) {
  // Served over HTTPS by scripts/serve.js (a hub with a certificate): the cookie never goes in clear.
  const secure = Boolean(process.env.PROCESS_MONITOR_TLS_CERT && process.env.PROCESS_MONITOR_TLS_KEY);
  return { httpOnly: true, sameSite: "lax" as const, path: "/", maxAge, secure };
}

export type Authenticated = ({ by: "session"; sessionId: string } | { by: "bearer" }) & { role: Role };

/** Who a request is: a browser session (cookie), an API client (bearer token), or nobody; and with which role. */
export function authenticate(request: {
  cookie: string | null | undefined;
  authorization: string | null | undefined;
}): Authenticated | null {
  if (request.cookie) {
    const viewer = viewerToken();
    const index = sessionStore().which(request.cookie, viewer ? [serverToken(), viewer] : [serverToken()]);
    if (index >= 0) return { by: "session", sessionId: request.cookie, role: index === 0 ? "operator" : "viewer" };
  }
  const role = roleOfToken(bearerToken(request.authorization));
  return role ? { by: "bearer", role } : null;
}
