export const HOST_STATUSES = ["online", "stale", "offline"] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

/** SPEC: online while it reports, stale after 3 missed heartbeats, offline after 6. */
export function hostStatus(lastSeenMs: number | null, intervalSeconds: number, now = Date.now()): HostStatus {
  if (lastSeenMs === null) return "offline";
  const missed = (now - lastSeenMs) / (Math.max(1, intervalSeconds) * 1000);
  if (missed > 6) return "offline";
  if (missed > 3) return "stale";
  return "online";
}

/** A host's status from its stored row: a revoked host is offline whenever it last reported. */
export function hostRowStatus(row: { revokedAt: number | null; lastSeen: number | null; intervalS: number }, now = Date.now()): HostStatus {
  return row.revokedAt !== null ? "offline" : hostStatus(row.lastSeen, row.intervalS, now);
}

type Askable = { name: string; status: HostStatus; revoked: boolean };

/** Whether a host's agent can be asked now (it reports and is not revoked): commands, the remote pages' reads and their buttons ask here. */
export function canAsk(host: Pick<Askable, "status" | "revoked">): boolean {
  return host.status === "online" && !host.revoked;
}

/** A host that cannot be asked, in words: "ws-01 is offline", "ws-02 is revoked". */
export function unaskable(host: Askable): string {
  return `${host.name} is ${host.revoked ? "revoked" : host.status}`;
}
