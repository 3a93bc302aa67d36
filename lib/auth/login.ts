import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { safeNextPath } from "./next-path";
import { homePath } from "./home";
import { clearFailures, wrongCredential } from "./rate-limit";
import { roleOfToken, sessionCookieName, sessionCookieOptions, tokenOfRole, type Role } from "./session";
import { sessionStore } from "./sessions";
import { peerAddress } from "../http/headers";
import { STATUS_OF } from "../status-of";

/**
 * The peer's address. scripts/serve.js sets x-forwarded-for from the socket (overwriting
 * what a client sent), so this is the real peer under `npm start`.
 */
export function clientAddress(request: Request): string {
  return peerAddress(request.headers.get("x-forwarded-for")) ?? "unknown";
}

/**
 * A 303 to a path on this dashboard, relative: a route handler's request.url names the
 * server's configured host (localhost), not the one the browser used, and a cookie set for
 * 127.0.0.1 is not sent to localhost.
 */
export function seeOther(pathWithQuery: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { location: pathWithQuery, "cache-control": "no-store" } });
}

function openSession(request: Request, response: NextResponse, role: Role): NextResponse {
  const id = sessionStore().create(tokenOfRole(role), {
    address: clientAddress(request),
    userAgent: request.headers.get("user-agent"),
  });
  response.cookies.set(sessionCookieName(request.headers.get("host")), id, sessionCookieOptions());
  response.headers.set("cache-control", "no-store");
  return response;
}

export function tooMany(retryAfter: number, asJson: boolean): Response {
  const message = `Too many wrong tokens from your address. Try again in ${retryAfter} s (the right token is always let in).`;
  const headers = { "retry-after": String(retryAfter), "cache-control": "no-store" };
  if (asJson) return NextResponse.json({ error: message, code: "TOO_MANY", retryAfter }, { status: STATUS_OF.TOO_MANY, headers });
  return new NextResponse(
    `<!doctype html><meta charset="utf-8"><title>Too many tries · Process Monitor</title>` +
      `<p style="font:16px system-ui;margin:3rem auto;max-width:32rem">${message} <a href="/login">Back to the login page</a></p>`,
    { status: 429, headers: { ...headers, "content-type": "text/html; charset=utf-8" } },
  );
}

/** The login link printed at start: `?token=` on any page opens a session, then the clean URL. */
export async function logInWithToken(request: NextRequest, token: string | null): Promise<Response> {
  const address = clientAddress(request);
  const clean = request.nextUrl.clone();
  clean.searchParams.delete("token");
  // The right token first: a limit on wrong ones must never lock out the one who has it.
  const role = roleOfToken(token);
  if (role) {
    clearFailures(address);
    return openSession(request, NextResponse.redirect(clean, 303), role);
  }
  const wait = wrongCredential(address, "login");
  if (wait > 0) return tooMany(wait, false);
  // In the proxy, nextUrl carries the host the browser used (a route handler's does not).
  const login = new URL(
    `/login?${new URLSearchParams({ next: safeNextPath(`${clean.pathname}${clean.search}`), error: "1" })}`,
    request.nextUrl,
  );
  return NextResponse.redirect(login, 303);
}

const loginForm = z.object({
  token: z.string().trim().min(1, "Paste the token.").max(1024, "That is not a token: too long."),
  next: z.string().max(4096).optional(),
});

/**
 * The login form's POST (the token travels in the body, never in a URL). Answers JSON to
 * the form's script (`Accept: application/json`) and redirects a plain form post.
 */
export async function logInWithForm(request: Request): Promise<Response> {
  const asJson = (request.headers.get("accept") ?? "").includes("application/json");
  const address = clientAddress(request);

  let fields: Record<string, unknown> = {};
  try {
    const type = request.headers.get("content-type") ?? "";
    if (type.includes("application/json")) fields = (await request.json()) as Record<string, unknown>;
    else fields = Object.fromEntries(await request.formData());
  } catch {
    return NextResponse.json(
      { error: "Send the token as a form field or JSON: token=<token>.", code: "INVALID" },
      { status: STATUS_OF.INVALID },
    );
  }
  const parsed = loginForm.safeParse(fields ?? {});
  const next = safeNextPath(parsed.success ? parsed.data.next : fields?.next, homePath());
  const role = parsed.success ? roleOfToken(parsed.data.token) : null;
  if (role) {
    clearFailures(address);
    return openSession(request, asJson ? NextResponse.json({ next }) : seeOther(next), role);
  }
  const wait = wrongCredential(address, "login");
  if (wait > 0) return tooMany(wait, asJson);
  const error = parsed.success ? "That token is not right." : (parsed.error.issues[0]?.message ?? "That token is not right.");
  if (asJson) {
    return NextResponse.json({ error, code: "UNAUTHORIZED" }, { status: STATUS_OF.UNAUTHORIZED, headers: { "cache-control": "no-store" } });
  }
  return seeOther(`/login?${new URLSearchParams({ next, error: "1" })}`);
}
