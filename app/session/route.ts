import { logInWithForm } from "@/lib/auth/login";

export const dynamic = "force-dynamic";

/** Logs in: the login form posts the token here. */
export async function POST(request: Request) {
  return logInWithForm(request);
}
