import { fleetHostDecisionAction } from "@/lib/actions/fleet";
import type { FleetHostInfo } from "@/lib/fleet/hub/snapshot";
import { LocalTime } from "../local-time";

/**
 * Machines that enrolled again without their current secret: a workstation that lost its data
 * folder, or someone who read its host id and machine id. Nothing of theirs is taken until an
 * operator approves; the current secret keeps working meanwhile.
 */
export function PendingHosts({ hosts, readOnly }: { hosts: FleetHostInfo[]; readOnly: boolean }) {
  const pending = hosts.filter((h) => h.pending);
  if (pending.length === 0) return null;
  return (
    <section
      aria-labelledby="pending-heading"
      data-testid="pending-hosts"
      className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-500/40 dark:bg-amber-500/10"
    >
      <h2 id="pending-heading" className="text-sm font-semibold text-amber-950 dark:text-amber-100">
        Waiting for approval ({pending.length})
      </h2>
      <p className="text-xs text-amber-900 dark:text-amber-200">
        These machines enrolled again without the secret they were given: approve if you reinstalled or reset them; deny if you did not.
        Their current secret keeps working until then.
      </p>
      <ul className="divide-y divide-amber-200 dark:divide-amber-500/20">
        {pending.map((host) => (
          <li key={host.key} className="flex flex-wrap items-center gap-3 py-2 text-sm" data-pending={host.name}>
            <span className="font-medium">{host.name}</span>
            <span className="text-xs text-amber-900 dark:text-amber-200">
              asked <LocalTime seconds={host.pending!.since / 1000} />
              {host.pending!.address ? ` from ${host.pending!.address}` : ""}
            </span>
            {!readOnly && (
              <span className="ml-auto flex gap-2">
                <form action={fleetHostDecisionAction.bind(null, host.name, "approve")}>
                  <button type="submit" className="rounded-md bg-indigo-600 px-3 py-1 text-xs font-medium text-white hover:bg-indigo-500">
                    Approve<span className="sr-only"> {host.name}</span>
                  </button>
                </form>
                <form action={fleetHostDecisionAction.bind(null, host.name, "deny")}>
                  <button
                    type="submit"
                    className="rounded-md border border-amber-400 px-3 py-1 text-xs font-medium hover:bg-amber-100 dark:hover:bg-amber-500/20"
                  >
                    Deny<span className="sr-only"> {host.name}</span>
                  </button>
                </form>
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
