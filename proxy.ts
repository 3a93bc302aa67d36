import { NextResponse, type NextRequest } from "next/server";
import { hostAllowed } from "@/lib/auth/host-check";
import { clientAddress, logInWithToken, tooMany } from "@/lib/auth/login";
import { wrongCredential } from "@/lib/auth/rate-limit";
import { authenticate, sessionCookieName } from "@/lib/auth/session";
import { SECURITY_HEADERS } from "@/lib/http/security-headers.js";
import { STATUS_OF } from "@/lib/status-of";
import { VIEWER_REFUSAL } from "@/lib/auth/viewer";
import { serverEnv } from "@/lib/config/server-env";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Reachable without a session: the login page and the form it posts to. */
const PUBLIC_PATHS = new Set(["/login", "/session"]);

function secured<T extends Response>(response: T): T {
  for (const { key, value } of SECURITY_HEADERS) response.headers.set(key, value);
  return response;
}

/** The routes' error shape, `{ error, code }`, its status the one table's. */
function refuse(code: "UNAUTHORIZED" | "FORBIDDEN" | "INTERNAL", error: string): NextResponse {
  const status = STATUS_OF[code];
  return secured(
    NextResponse.json(
      { error, code },
      { status, headers: { "cache-control": "no-store", ...(status === 401 ? { "www-authenticate": "Bearer" } : {}) } },
    ),
  );
}

/** A change sent from another site's page (CSRF), told by Origin or Sec-Fetch-Site. */
function crossSite(request: NextRequest, host: string | null, byCookie: boolean): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null) {
    try {
      return new URL(origin).host !== host;
    } catch {
      return true;
    }
  }
  const site = request.headers.get("sec-fetch-site");
  return byCookie && site !== null && site !== "same-origin" && site !== "none";
}

/**
 * Access control in front of every page, action, route and stream, like Jupyter's: the
 * login link printed at start (`?token=`) or the login form opens a server-side session
 * (an HttpOnly cookie holding a random id); the JSON API also takes
 * `Authorization: Bearer <token>`. Mutations from another origin are refused, and while we
 * listen on loopback so is a `Host` that is not this machine (DNS rebinding).
 */
export async function proxy(request: NextRequest) {
  const { pathname, searchParams } = request.nextUrl;
  const host = request.headers.get("host");
  if (!hostAllowed(host)) {
    return refuse(
      "FORBIDDEN",
      `Host ${JSON.stringify(host ?? "")} is not this machine. Open the dashboard as localhost or 127.0.0.1, or add the name to PROCESS_MONITOR_ALLOWED_HOSTS.`,
    );
  }
  const cookieName = sessionCookieName(host);
  const safe = SAFE_METHODS.has(request.method);

  let who;
  try {
    if (searchParams.has("token") && safe) {
      // The login link printed at start: a session, then the same page without the token.
      return secured(await logInWithToken(request, searchParams.get("token")));
    }
    who = authenticate({ cookie: request.cookies.get(cookieName)?.value, authorization: request.headers.get("authorization") });
  } catch (error) {
    return refuse("INTERNAL", `Cannot check access: ${(error as Error).message}`);
  }

  // Pages read who is asking (the header, the sessions page) from here, not by checking
  // again; whatever a client sent under these names is dropped.
  const forwarded = new Headers(request.headers);
  forwarded.delete("x-pm-auth");
  forwarded.delete("x-pm-role");
  if (who) {
    forwarded.set("x-pm-auth", who.by);
    forwarded.set("x-pm-role", who.role);
  }
  const next = () => secured(NextResponse.next({ request: { headers: forwarded } }));

  if (PUBLIC_PATHS.has(pathname)) {
    if (!safe && crossSite(request, host, false)) return refuse("FORBIDDEN", "Cross-site request refused.");
    return next();
  }

  if (!who && request.headers.has("authorization")) {
    // A wrong bearer token: counted per address; past the limit answered at once with 429.
    const wait = wrongCredential(clientAddress(request), "bearer");
    if (wait > 0) return secured(tooMany(wait, true) as NextResponse);
  }
  if (!who) {
    if (pathname.startsWith("/api/") || !safe) {
      return refuse(
        "UNAUTHORIZED",
        "Authentication required: send Authorization: Bearer <token>, or log in with the URL printed at start.",
      );
    }
    const login = new URL("/login", request.url);
    // The bare root goes nowhere in particular: the login's own landing applies (a hub's fleet).
    if (pathname !== "/" || request.nextUrl.search) login.searchParams.set("next", `${pathname}${request.nextUrl.search}`);
    return secured(NextResponse.redirect(login, 307));
  }

  // A viewer looks: every change is refused, whatever door it comes through (API, action, form).
  if (!safe && who.role === "viewer" && pathname !== "/logout") {
    if (serverEnv().hub && /^\/(?:api\/)?fleet\//.test(pathname)) {
      // On a hub the refusal is in the audit log too. Loaded only here: a workstation's proxy never needs the store.
      const { auditViewerRefusal } = await import("@/lib/fleet/hub/viewer-audit");
      await auditViewerRefusal(request.method, pathname, clientAddress(request));
    }
    return refuse("FORBIDDEN", VIEWER_REFUSAL);
  }
  if (!safe && crossSite(request, host, who.by === "session")) {
    return refuse("FORBIDDEN", "Cross-site request refused: this dashboard only accepts changes from its own pages.");
  }
  return next();
}

export const config = {
  // Static build files and the icon are public. Agents reaching a hub (enrol, report, poll
  // for commands) present the fleet key or their host secret, which their routes check; no
  // browser session is involved, and skipping the proxy saves a hub that 300 workstations
  // report to about 2 ms of CPU per report (bench fleet). Everything else goes through the check.
  // /metrics checks its own tokens (the operator's or a scraper's, lib/api/metrics.ts).
  matcher: ["/((?!_next/static|_next/image|icon.svg|favicon.ico|metrics$|api/fleet/(?:enroll|report|commands)(?:/|$)).*)"],
};
