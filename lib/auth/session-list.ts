import "server-only";
import { cookies, headers } from "next/headers";
import { serverToken, sessionCookieName } from "./session";
import { sessionStore, type SessionInfo } from "./sessions";

export interface SessionRow extends SessionInfo {
  current: boolean;
}

/** The open sessions for the sessions page, this browser's marked. */
export async function openSessions(): Promise<SessionRow[]> {
  const cookie = (await cookies()).get(sessionCookieName((await headers()).get("host")))?.value;
  const store = sessionStore();
  const mine = cookie ? store.handleOf(cookie) : null;
  return store.list(serverToken()).map((s) => ({ ...s, current: s.handle === mine }));
}
