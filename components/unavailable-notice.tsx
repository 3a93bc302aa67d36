import type { Unavailable } from "@/lib/processes/pages";
import { AutoRefresh } from "./auto-refresh";

const TITLES: Record<Unavailable["unavailable"]["code"], string> = {
  BUSY: "Registry busy",
  DISK_FULL: "Disk full",
  STORE_DOWN: "Fleet store unreachable",
};

/** A page that the machine did not let us read right now: what is wrong, retried by itself. */
export function UnavailableNotice({ state: { unavailable: failure, at } }: { state: Unavailable }) {
  return (
    <div
      role="alert"
      data-failure={failure.code}
      className="mx-auto max-w-2xl space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-6 dark:border-amber-500/40 dark:bg-amber-500/10"
    >
      <h1 className="text-lg font-semibold text-amber-950 dark:text-amber-100">{TITLES[failure.code]}</h1>
      <p className="text-sm text-amber-900 dark:text-amber-200">{failure.message}</p>
      <p className="text-xs text-amber-800 dark:text-amber-300">Nothing was lost. This page tries again by itself.</p>
      <AutoRefresh generatedAt={at} />
    </div>
  );
}
