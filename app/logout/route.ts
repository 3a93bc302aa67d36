import type { NextRequest } from "next/server";
import { seeOther } from "@/lib/auth/login";
import { sessionCookieName, sessionCookieOptions, tokenOfRole } from "@/lib/auth/session";
import { sessionStore } from "@/lib/auth/sessions";

export const dynamic = "force-dynamic";

/**
 * Ends this browser's session, or every session with `scope=all` (POST only: no GET
 * changes anything). The session is removed on the server: its cookie no longer works
 * anywhere, even if it was copied.
 */
export async function POST(request: NextRequest) {
  const cookieName = sessionCookieName(request.headers.get("host"));
  const cookie = request.cookies.get(cookieName)?.value;
  let all = false;
  try {
    all = (await request.formData()).get("scope") === "all";
  } catch {
    /* no form body: this session only */
  }
  const store = sessionStore();
  // A viewer's "all" is the viewers' sessions; an operator's is everyone's.
  if (all) store.revokeAll(request.headers.get("x-pm-role") === "viewer" ? tokenOfRole("viewer") : undefined);
  else store.revoke(cookie);
  const response = seeOther(all ? "/login?ended=all" : "/login?ended=1");
  response.cookies.set(cookieName, "", sessionCookieOptions(0));
  return response;
}
