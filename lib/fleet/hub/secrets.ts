import crypto from "node:crypto";
import { bearerToken } from "../../http/headers";

// A host secret is `<host key>.<random>`: the hub finds the host by its key and compares
// the SHA-256 of the whole secret; the secret itself is never stored.

export function newHostKey(): string {
  return crypto.randomUUID();
}

export function newHostSecret(hostKey: string): string {
  return `${hostKey}.${crypto.randomBytes(32).toString("base64url")}`;
}

export function hashSecret(secret: string): string {
  return crypto.createHash("sha256").update(secret).digest("hex");
}

/** The host key inside a bearer secret, or null when it is not shaped like one. */
export function hostKeyOf(secret: string | null): string | null {
  if (!secret) return null;
  const match = /^([0-9a-f-]{36})\.[A-Za-z0-9_-]{20,100}$/.exec(secret);
  return match ? match[1]! : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && crypto.timingSafeEqual(given, stored);
}

/** Constant-time comparison of the fleet key an agent presents. */
export function keyMatches(given: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(given).digest();
  const b = crypto.createHash("sha256").update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export function bearerOf(request: Request): string | null {
  return bearerToken(request.headers.get("authorization"));
}
