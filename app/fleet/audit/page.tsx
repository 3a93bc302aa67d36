import Link from "next/link";
import { NotAHub } from "@/components/fleet/not-a-hub";
import { LocalTime } from "@/components/local-time";
import { isoToSeconds } from "@/lib/time";
import { Pager } from "@/components/pager";
import { getAuditPage } from "@/lib/fleet/pages";
import { isHub } from "@/lib/fleet/hub/server";
import { parseListPage } from "@/lib/processes/query-params";

export const dynamic = "force-dynamic";
export const metadata = { title: "Fleet audit log" };

/** Every action taken through the hub: when, who, on which host and record, and what came of it. */
export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!isHub()) return <NotAHub />;
  const query = parseListPage(await searchParams);
  const data = await getAuditPage(query.page);
  return (
    <div className="space-y-4">
      <div>
        <Link href="/fleet" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          ← Fleet
        </Link>
        <h1 className="mt-1 text-xl font-semibold tracking-tight">Audit log</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">{data.total} actions through this hub, newest first.</p>
      </div>
      {data.entries.length === 0 ? (
        <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-center text-sm text-zinc-500 dark:border-zinc-700 dark:text-zinc-400">
          No action yet. Stops, kills, relaunches and deletes given on a fleet record&apos;s page or through the API are listed here.
        </p>
      ) : (
        <div
          tabIndex={0}
          role="region"
          aria-label="Actions"
          className="relative overflow-x-auto rounded-lg border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
        >
          <table className="w-full min-w-[860px] text-sm">
            <thead className="border-b border-zinc-200 bg-zinc-50 text-left text-xs font-medium uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400">
              <tr>
                <th className="px-3 py-2">When</th>
                <th className="px-3 py-2">Who</th>
                <th className="px-3 py-2">Host</th>
                <th className="px-3 py-2">Record</th>
                <th className="px-3 py-2">Action</th>
                <th className="px-3 py-2">Result</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {data.entries.map((entry) => (
                <tr key={entry.id} data-audit={entry.command}>
                  <td className="whitespace-nowrap px-3 py-2">
                    <LocalTime seconds={isoToSeconds(entry.at)} mode="exact" />
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">
                    {entry.role}
                    {entry.address && <span className="ml-1 text-xs text-zinc-500 dark:text-zinc-400">from {entry.address}</span>}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">
                    <Link href={`/fleet/${entry.host}`} className="hover:underline">
                      {entry.host}
                    </Link>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">
                    <Link href={`/fleet/${entry.host}/processes/${entry.hash}`} className="hover:underline">
                      {entry.hash.slice(0, 12)}
                    </Link>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 font-medium">{entry.command}</td>
                  <td className={`px-3 py-2 ${entry.ok === false ? "text-rose-700 dark:text-rose-400" : ""}`}>
                    {entry.result ?? entry.status}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={query.page} pages={Math.max(1, Math.ceil(data.total / 100))} total={data.total} query={query} base="/fleet/audit" />
    </div>
  );
}
