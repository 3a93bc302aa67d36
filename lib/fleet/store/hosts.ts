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
  sharedSecretAt: "shared_secret_at",
} as const satisfies Record<keyof HostRow, string>;

const SELECT_HOSTS = `SELECT ${Object.entries(HOST_COLUMNS)
  .map(([field, column]) => `${column} AS "${field}"`)
  .join(", ")} FROM fleet_host ORDER BY name`;

/**
 * Every host's row, by name. Read each second by the hub's reading of the store: on SQLite on
 * the driver itself (store/direct.ts), where Prisma's mapping of 1,000 rows of 21 columns cost
 * more than the read.
 */
export async function readHostRows({ db, sqlite }: FleetStore): Promise<HostRow[]> {
  if (sqlite) return sqlite.all<HostRow>(SELECT_HOSTS);
  return db.fleetHost.findMany({ orderBy: { name: "asc" }, omit: { secretHash: true } });
}
