// What our code reads from a request's headers, read one way everywhere: the HTTP routes, the
// proxy, and the agents' WebSocket upgrade (which arrives as a bare node:http request).

/**
 * The peer's address: the first entry of x-forwarded-for, which scripts/serve.js sets from the
 * socket (or from a trusted proxy's list), overwriting what a client sent. Null when absent.
 */
export function peerAddress(forwardedFor: string | string[] | null | undefined): string | null {
  const value = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
  return value?.split(",")[0]?.trim() || null;
}

/** The token of `Authorization: Bearer <token>`; null for no header or any other shape. */
export function bearerToken(authorization: string | null | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? null;
}
