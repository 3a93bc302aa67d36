import { browserName } from "@/lib/auth/browser-name";
import type { Metadata } from "next";
import { LocalTime } from "@/components/local-time";
import { openSessions } from "@/lib/auth/session-list";
import { idleLimitSeconds } from "@/lib/auth/sessions";

export const metadata: Metadata = { title: "Sessions" };
export const dynamic = "force-dynamic";

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export default async function SessionsPage() {
  const sessions = await openSessions();
  const idleDays = Math.round(idleLimitSeconds() / 86400);
  return (
    <div className="mx-auto max-w-3xl space-y-6 py-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Sessions</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Browsers logged in to this dashboard. A session ends when it logs out, after {idleDays} days without use, or when the token
          changes. Scripts that send the token as a bearer header are not listed.
        </p>
      </div>
      {sessions.length === 0 ? (
        <p className="rounded-md border border-dashed border-zinc-300 p-6 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          No browser is logged in. You are using the bearer token.
        </p>
      ) : (
        <div
          tabIndex={0}
          role="region"
          aria-label="Sessions"
          className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800"
        >
          <table className="w-full text-left text-sm">
            <thead className="bg-zinc-50 text-xs text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
              <tr>
                <th className="px-3 py-2 font-medium">Browser</th>
                <th className="px-3 py-2 font-medium">Address</th>
                <th className="px-3 py-2 font-medium">Logged in</th>
                <th className="px-3 py-2 font-medium">Last used</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
              {sessions.map((s) => (
                <tr key={s.handle} data-session={s.handle}>
                  <td className="max-w-xs truncate px-3 py-2" title={s.userAgent ?? undefined}>
                    {s.current && (
                      <span className="mr-2 rounded bg-indigo-100 px-1.5 py-0.5 text-xs font-medium text-indigo-800 dark:bg-indigo-500/20 dark:text-indigo-200">
                        this browser
                      </span>
                    )}
                    {browserName(s.userAgent)}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{s.address ?? "unknown"}</td>
                  <td className="px-3 py-2">
                    <LocalTime seconds={seconds(s.createdAt)} />
                  </td>
                  <td className="px-3 py-2">
                    <LocalTime seconds={seconds(s.lastSeenAt)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="flex flex-wrap gap-3">
        <form method="post" action="/logout">
          <button
            type="submit"
            className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
          >
            Log out this browser
          </button>
        </form>
        <form method="post" action="/logout">
          <input type="hidden" name="scope" value="all" />
          <button type="submit" className="rounded-md bg-rose-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-rose-500">
            Log out all sessions
          </button>
        </form>
      </div>
    </div>
  );
}
