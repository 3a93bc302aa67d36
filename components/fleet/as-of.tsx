import type { FleetHostInfo } from "@/lib/fleet/hub/snapshot";
import { LocalTime } from "../local-time";

/** Said when a host is not online: what the page shows is its last report. */
export function AsOf({ host }: { host: Pick<FleetHostInfo, "name" | "status" | "lastSeen"> }) {
  if (host.status === "online") return null;
  return (
    <p
      role="note"
      data-testid="as-of"
      className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-200"
    >
      {host.name} is {host.status}: this is what it last reported,{" "}
      {host.lastSeen === null ? "never" : <LocalTime seconds={host.lastSeen / 1000} mode="exact" />}. Processes may have ended since.
    </p>
  );
}
