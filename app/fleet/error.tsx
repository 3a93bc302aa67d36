"use client";

export default function FleetError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div
      role="alert"
      className="mx-auto max-w-2xl rounded-lg border border-rose-300 bg-rose-50 p-6 dark:border-rose-500/40 dark:bg-rose-500/10"
    >
      <h1 className="text-lg font-semibold text-rose-900 dark:text-rose-200">The fleet store could not be read</h1>
      <p className="mt-2 text-sm text-rose-800 dark:text-rose-300">{error.message || "Something went wrong."}</p>
      <p className="mt-2 text-xs text-rose-700/80 dark:text-rose-300/70">
        Workstations keep their own registries and report again once the store is back: nothing is lost. Check PROCESS_MONITOR_FLEET_DB (a
        PostgreSQL server that is down?).
      </p>
      <button
        type="button"
        onClick={reset}
        className="mt-4 rounded-md bg-rose-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-rose-500"
      >
        Try again
      </button>
    </div>
  );
}
