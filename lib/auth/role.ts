import "server-only";
import { headers } from "next/headers";
import type { Role } from "./session";

/** The role proxy.ts found for this request (a client cannot set the header: the proxy replaces it). */
export async function currentRole(): Promise<Role> {
  return (await headers()).get("x-pm-role") === "viewer" ? "viewer" : "operator";
}

/** For route handlers: the same, from the request the proxy forwarded. */
export function roleOf(request: Request): Role {
  return request.headers.get("x-pm-role") === "viewer" ? "viewer" : "operator";
}

/** A viewer sees which variables a record had, never their values. */
export function withoutValues(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(env).map((key) => [key, ""]));
}
