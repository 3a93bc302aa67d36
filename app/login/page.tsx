import type { Metadata } from "next";

export const metadata: Metadata = { title: "Log in" };

function safeNext(value: string | string[] | undefined): string {
  const next = Array.isArray(value) ? value[0] : value;
  // Only paths on this dashboard: never an absolute or protocol-relative URL.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const next = safeNext(params.next);
  const failed = params.error === "1";
  return (
    <div className="mx-auto max-w-md py-12">
      <h1 className="text-xl font-semibold tracking-tight">Log in to Process Monitor</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        Open the login URL printed when the dashboard started, or paste its token here. It is also kept in{" "}
        <code className="rounded bg-zinc-100 px-1 text-xs dark:bg-zinc-800">~/.local/share/process-monitor/token</code> (or set by{" "}
        <code className="rounded bg-zinc-100 px-1 text-xs dark:bg-zinc-800">PROCESS_MONITOR_TOKEN</code>).
      </p>
      {failed && (
        <p
          role="alert"
          className="mt-4 rounded-md border border-rose-300 bg-rose-50 p-3 text-sm text-rose-800 dark:border-rose-500/40 dark:bg-rose-500/10 dark:text-rose-300"
        >
          That token is not right.
        </p>
      )}
      <form method="get" action={next.split("?")[0]} className="mt-6 space-y-3">
        {[...new URLSearchParams(next.split("?")[1] ?? "")].map(([key, value]) => (
          <input key={key} type="hidden" name={key} value={value} />
        ))}
        <label htmlFor="token" className="text-sm font-medium">
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
        <button type="submit" className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
          Log in
        </button>
      </form>
    </div>
  );
}
