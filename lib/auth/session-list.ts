import "server-only";
import { cookies, headers } from "next/headers";
import { sessionCookieName, tokenOfRole } from "./session";
import { currentRole } from "./role";
import { sessionStore, type SessionInfo } from "./sessions";

export interface SessionRow extends SessionInfo {
  current: boolean;
}

/** The open sessions for the sessions page, this browser's marked. */
export async function openSessions(): Promise<SessionRow[]> {
  const cookie = (await cookies()).get(sessionCookieName((await headers()).get("host")))?.value;
  const store = sessionStore();
  const mine = cookie ? store.handleOf(cookie) : null;
  // A viewer sees the viewers' sessions only, never the operators' addresses.
  return store.list(tokenOfRole(await currentRole())).map((s) => ({ ...s, current: s.handle === mine }));
}
