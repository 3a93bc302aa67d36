import Link from "next/link";
import { ProcessTable } from "../process-table";
import { Pager } from "../pager";
import { SearchBox } from "../search-box";
import { StatusFilter } from "../status-filter";
import type { FleetListPage } from "@/lib/fleet/pages";
import { listHref, type FleetPageState } from "@/lib/processes/query-params";

/** The fleet's process table with its status filter, search and pages, all kept in the URL. */
export function FleetProcessList({
  data,
  query,
  base,
  showHost = true,
  operator = false,
}: {
  data: FleetListPage;
  query: FleetPageState;
  base: string;
  showHost?: boolean;
  /** An operator may select records and stop them (a viewer only looks). */
  operator?: boolean;
}) {
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <StatusFilter query={query} counts={data.counts} base={base} />
        <SearchBox query={query} base={base} />
      </div>
      <ProcessTable
        rows={data.rows}
        query={query}
        stoppedCount={data.counts.stopped}
        base={base}
        readOnly
        fleetStop={operator}
        showHost={showHost && !query.host}
        empty={
          <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-center text-sm text-zinc-500 dark:border-zinc-700 dark:text-zinc-400">
            {data.counts.all === 0 ? (
              "No processes reported yet."
            ) : (
              <>
                No records match {query.q ? <>“{query.q}”</> : "this filter"}.{" "}
                <Link
                  href={listHref({ ...query, q: "", status: "all" }, { page: 1 }, base)}
                  className="text-indigo-700 underline dark:text-indigo-300"
                >
                  Clear the filter
                </Link>
              </>
            )}
          </p>
        }
      />
      <Pager page={data.page} pages={data.pages} total={data.total} query={query} base={base} />
    </div>
  );
}
