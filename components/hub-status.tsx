import type { AgentStatus } from "@/lib/fleet/agent/agent";
import { LocalTime } from "./local-time";

/** A workstation that reports to a hub says so in its header: to which, whether it gets through, since when. */
export function HubStatus({ status }: { status: AgentStatus }) {
  const ok = status.error === null && status.lastAccepted !== null;
  const label = status.error
    ? "not reporting"
    : status.lastAccepted === null
      ? "connecting"
      : status.transport === "socket"
        ? "connected"
        : "reporting over HTTP";
  return (
    <div className="flex min-w-0 gap-1" data-testid="hub-status" data-ok={ok}>
      <dt>hub</dt>
      <dd className="min-w-0 truncate" title={status.error ?? status.hub}>
        <span className={ok ? "text-emerald-700 dark:text-emerald-400" : "text-amber-700 dark:text-amber-400"}>{label}</span>
        {status.lastAccepted !== null && (
          <>
            {" "}
            · last report <LocalTime seconds={status.lastAccepted / 1000} />
          </>
        )}
        {status.error && <span className="sr-only">: {status.error}</span>}
      </dd>
    </div>
  );
}
