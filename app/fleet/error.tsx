"use client";

import { ErrorPanel } from "@/components/error-panel";

export default function FleetError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <ErrorPanel
      title="The fleet store could not be read"
      message={error.message}
      hint="Workstations keep their own registries and report again once the store is back: nothing is lost. Check PROCESS_MONITOR_FLEET_DB (a PostgreSQL server that is down?)."
      reset={reset}
    />
  );
}
