import type { FleetHost } from "../../generated/fleet-sqlite/client";
import type { FleetStore } from "./index";

/** A host's row as the hub's readers see it: everything but its secret's hash. */
export type HostRow = Omit<FleetHost, "secretHash">;

/** Each field of the row and its column: the compiler holds this to the model (a field added there fails here). */
const HOST_COLUMNS = {
  key: "key",
  hostId: "host_id",
  machineId: "machine_id",
  hostname: "hostname",
  name: "name",
  facts: "facts",
  intervalS: "interval_s",
  enrolledAt: "enrolled_at",
  lastSeen: "last_seen",
  lastAddress: "last_address",
  seq: "seq",
  processSeq: "process_seq",
  listSeq: "list_seq",
  cloneOf: "clone_of",
  revokedAt: "revoked_at",
  pendingSecretHash: "pending_secret_hash",
  pendingSince: "pending_since",
  pendingAddress: "pending_address",
  instance: "instance",
  prevInstance: "prev_instance",
  rivalInstance: "rival_instance",
  rivalSince: "rival_since",
  sharedSecretAt: "shared_secret_at",
} as const satisfies Record<keyof HostRow, string>;

const HOST_FIELDS = Object.keys(HOST_COLUMNS) as Array<keyof HostRow>;
const SELECT_HOSTS = `SELECT ${Object.values(HOST_COLUMNS).join(", ")} FROM fleet_host ORDER BY name`;

/**
 * Every host's row, by name. Read each second by the hub's reading of the store, on the driver
 * itself (store/direct.ts, direct-pg.ts), where Prisma's mapping of 1,000 rows of 21 columns cost
 * more than the read. The columns' types are the same in both stores (no BIGINT: no strings).
 */
export async function readHostRows({ sqlite, pg }: FleetStore): Promise<HostRow[]> {
  // Each row's values in HOST_FIELDS' order, made into objects here (the driver's own took three times as long).
  const values = sqlite ? await sqlite.values(SELECT_HOSTS) : await pg!.values("pm_host_rows", SELECT_HOSTS);
  return values.map((columns) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < HOST_FIELDS.length; i += 1) row[HOST_FIELDS[i]!] = columns[i];
    return row as HostRow;
  });
}

/**
 * Crashes per host key since `since` (ms): by their end time, or when they were received for
 * an end of unknown time. Counted each second, like the host rows, on the driver itself.
 */
export async function crashCounts({ sqlite, pg }: FleetStore, since: number): Promise<Map<string, number>> {
  const rows = sqlite
    ? await sqlite.all<{ hostKey: string; n: number }>(
        `SELECT host_key AS hostKey, count(*) AS n FROM fleet_event
          WHERE crashed AND (ended_at >= $seconds OR (ended_at IS NULL AND received_at >= $since)) GROUP BY host_key`,
        { seconds: since / 1000, since },
      )
    : await pg!.rows<{ hostKey: string; n: number }>(
        "pm_crash_counts",
        `SELECT host_key AS "hostKey", count(*)::integer AS n FROM fleet_event
          WHERE crashed AND (ended_at >= $1 OR (ended_at IS NULL AND received_at >= $2)) GROUP BY host_key`,
        [since / 1000, since],
      );
  return new Map(rows.map((r) => [r.hostKey, r.n]));
}
