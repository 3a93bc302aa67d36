import { NextResponse } from "next/server";
import { sessionCookieName } from "@/lib/auth/session";

/** Ends this browser's session (POST only: no GET changes anything). */
export async function POST(request: Request) {
  const response = NextResponse.redirect(new URL("/login", request.url), 303);
  response.cookies.set(sessionCookieName(request.headers.get("host")), "", { httpOnly: true, sameSite: "lax", path: "/", maxAge: 0 });
  return response;
}
