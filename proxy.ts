import { NextResponse, type NextRequest } from "next/server";
import { SESSION_MAX_AGE, sessionCookieName, sessionMatches, sessionValue, tokenMatches } from "@/lib/auth/session";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function refuse(status: number, error: string): NextResponse {
  return NextResponse.json(
    { error },
    { status, headers: { "cache-control": "no-store", ...(status === 401 ? { "www-authenticate": "Bearer" } : {}) } },
  );
}

/**
 * Access control in front of every page, action, route and stream, like Jupyter's: a
 * visit with `?token=` sets a long-lived HttpOnly cookie and redirects to the clean URL;
 * the JSON API also takes `Authorization: Bearer <token>`. Mutations from another
 * origin are refused.
 */
export function proxy(request: NextRequest) {
  const { pathname, searchParams } = request.nextUrl;
  const host = request.headers.get("host");
  const cookieName = sessionCookieName(host);

  if (searchParams.has("token")) {
    const clean = request.nextUrl.clone();
    clean.searchParams.delete("token");
    if (tokenMatches(searchParams.get("token"))) {
      const response = NextResponse.redirect(clean, 303);
      response.cookies.set(cookieName, sessionValue(), {
        httpOnly: true,
        sameSite: "lax",
        path: "/",
        maxAge: SESSION_MAX_AGE,
      });
      return response;
    }
    const login = new URL("/login", request.url);
    login.searchParams.set("next", `${clean.pathname}${clean.search}`);
    login.searchParams.set("error", "1");
    return NextResponse.redirect(login, 303);
  }

  if (pathname === "/login") return NextResponse.next();

  const byCookie = sessionMatches(request.cookies.get(cookieName)?.value);
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  const byBearer = !byCookie && tokenMatches(bearer);

  if (!byCookie && !byBearer) {
    if (pathname.startsWith("/api/") || !SAFE_METHODS.has(request.method)) {
      return refuse(401, "Authentication required: send Authorization: Bearer <token>, or log in with the URL printed at start.");
    }
    const login = new URL("/login", request.url);
    login.searchParams.set("next", `${pathname}${request.nextUrl.search}`);
    return NextResponse.redirect(login, 307);
  }

  if (!SAFE_METHODS.has(request.method)) {
    const origin = request.headers.get("origin");
    if (origin !== null) {
      let originHost: string | null = null;
      try {
        originHost = new URL(origin).host;
      } catch {
        originHost = null;
      }
      if (originHost !== host) return refuse(403, "Cross-site request refused: this dashboard only accepts changes from its own pages.");
    } else if (byCookie) {
      const site = request.headers.get("sec-fetch-site");
      if (site && site !== "same-origin" && site !== "none") return refuse(403, "Cross-site request refused.");
    }
  }
  return NextResponse.next();
}

export const config = {
  // Static build files and the icon are public; everything else goes through the check.
  matcher: ["/((?!_next/static|_next/image|icon.svg|favicon.ico).*)"],
};
