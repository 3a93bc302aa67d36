"use client";

import { useState } from "react";

/**
 * Posts the token in the request body (never in a URL). With scripts, the answer is shown
 * in place (a wrong token, too many tries); without, the form posts and the server redirects.
 */
export function LoginForm({ next, initialError }: { next: string; initialError: string | null }) {
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const response = await fetch("/session", {
        method: "POST",
        body: new FormData(event.currentTarget),
        headers: { accept: "application/json" },
      });
      const body = (await response.json().catch(() => ({}))) as { next?: string; error?: string };
      if (response.ok && body.next) return window.location.assign(body.next);
      setError(body.error ?? `The server answered ${response.status}.`);
    } catch {
      setError("The dashboard did not answer. Is it still running?");
    }
    setPending(false);
  }

  return (
    <form method="post" action="/session" onSubmit={onSubmit} className="mt-6 space-y-3">
      <input type="hidden" name="next" value={next} />
      {error && (
        <p
          role="alert"
          data-testid="login-error"
          className="rounded-md border border-rose-300 bg-rose-50 p-3 text-sm text-rose-800 dark:border-rose-500/40 dark:bg-rose-500/10 dark:text-rose-300"
        >
          {error}
        </p>
      )}
      <label htmlFor="token" className="block text-sm font-medium">
        Token
      </label>
      <input
        id="token"
        name="token"
        type="password"
        autoComplete="current-password"
        required
        className="w-full rounded-md border border-zinc-300 bg-white px-3 py-2 font-mono text-sm dark:border-zinc-700 dark:bg-zinc-900"
      />
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60"
      >
        {pending ? "Logging in…" : "Log in"}
      </button>
    </form>
  );
}
